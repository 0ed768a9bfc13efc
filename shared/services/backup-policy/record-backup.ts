import { parseArchiveName } from '#shared/domain/backup/archive-name.ts';
import { type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import { skipOf } from '#shared/domain/run-skip.ts';
import { failureOf, type GuestOutcome, type StepLog } from '../policy-run/record-result.ts';
import { planPrune } from '../retention/plan-prune.ts';
import type { SnapshotDeletion } from '../retention/prune-work.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * Records one guest's backup: the run's result and the guest's backup record in one write
 * (a retried step writes the same record: its id names the archive, or the run for a failed
 * one), then `backup.succeeded` / `backup.failed`. A success returns what the policy's backup
 * retention deletes on the guest now, as for snapshots.
 */
export async function recordBackupResult(
  deps: ServiceDeps & { readonly log?: StepLog },
  outcome: GuestOutcome,
): Promise<{ recorded: boolean; late: boolean; deletions: SnapshotDeletion[] }> {
  const { item } = outcome;
  const options = item.vzdump;
  const finishedAt = new Date(deps.now()).toISOString();
  const archive = outcome.outcome === 'succeeded' ? outcome.taskStatus?.archive : undefined;
  // A task that ended well but left no archive the storage lists is not a backup.
  const failure =
    outcome.outcome === 'failed'
      ? failureOf(outcome)
      : archive
        ? undefined
        : {
            type: 'ProxmoxTaskFailedError',
            text: 'the backup task ended but its archive is not on the storage',
          };
  const upid = outcome.upid ?? outcome.taskStatus?.upid;
  const storage = options?.storage ?? '';
  const name = archive ? parseArchiveName(archive.volid) : undefined;
  const backup: BackupRecord = {
    tenantId: item.tenantId,
    id: formatBackupId(item.guestId, archive?.volid ?? item.runId),
    guestId: item.guestId,
    clusterId: item.clusterId,
    node: item.node,
    guestType: item.guestType,
    vmid: item.vmid,
    storage,
    createdAt: archive ? new Date(archive.ctime * 1000).toISOString() : finishedAt,
    status: failure ? 'failed' : 'created',
    origin: 'policy',
    policyId: item.policyId,
    runId: item.runId,
    scheduledTime: item.scheduledTime,
    ...(upid ? { upid } : {}),
    ...(archive && !failure
      ? {
          volid: archive.volid,
          format: archive.format,
          size: archive.size,
          ...(name ? { compression: name.compression } : {}),
          ...(archive.notes ? { notes: archive.notes } : {}),
          ...(archive.protected ? { protected: true } : {}),
        }
      : {}),
    ...(failure ? { error: failure.text } : {}),
    ...(failure && outcome.taskStatus?.logTail ? { logTail: outcome.taskStatus.logTail } : {}),
  };
  const recorded = await deps.store.runs.recordResult(
    item.tenantId,
    {
      runId: item.runId,
      guestId: item.guestId,
      vmid: item.vmid,
      node: item.node,
      snapshotName: item.snapshotName,
      outcome: failure ? 'failed' : 'succeeded',
      ...(failure ? { error: failure.text, errorType: failure.type, ...skipOf(failure.type) } : {}),
      ...(failure?.lock ? { lock: failure.lock } : {}),
      ...(upid ? { upid } : {}),
      ...(backup.volid ? { volid: backup.volid } : {}),
      ...(backup.size !== undefined ? { size: backup.size } : {}),
      ...(item.hookWarning ? { warning: item.hookWarning } : {}),
      finishedAt,
    },
    { backup },
  );
  const late = recorded === 'late';
  if (late) {
    deps.log?.('late result of a run that has ended: recorded as late, not counted', {
      tenantId: item.tenantId,
      runId: item.runId,
      guestId: item.guestId,
    });
  }
  // The event and the retention plan at once: neither needs the other, and the guest's lane
  // waits for this step before its next vzdump.
  const published = deps.events.publish([
    domainEvent({
      tenantId: item.tenantId,
      type: failure ? 'backup.failed' : 'backup.succeeded',
      subject: `${item.runId}/${item.guestId}`,
      time: deps.now(),
      policyId: item.policyId,
      data: {
        runId: item.runId,
        policyId: item.policyId,
        ...(item.policyName ? { policyName: item.policyName } : {}),
        guestId: item.guestId,
        vmid: item.vmid,
        node: item.node,
        storage,
        backupId: backup.id,
        ...(backup.volid ? { volid: backup.volid, size: backup.size } : {}),
        ...(failure ? { error: failure.text, errorType: failure.type } : {}),
        ...(failure?.lock ? { lock: failure.lock } : {}),
      },
    }),
  ]);
  const result = { recorded: recorded === 'recorded', late };
  if (failure || late) {
    await published;
    return { ...result, deletions: [] };
  }
  const [deletions] = await Promise.all([
    planPrune(deps, { item }).then(
      (plan) => plan.deletions,
      () => [],
    ),
    published,
  ]);
  return { ...result, deletions };
}
