import type { AuditContext } from '#shared/domain/audit.ts';
import { formatArchiveName } from '#shared/domain/backup/archive-name.ts';
import { type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { durationsByNode, percentile, taskSeconds } from '#shared/domain/insight/stats.ts';
import { planLanes } from '#shared/domain/lane.ts';
import { type Policy, perNodeLimit } from '#shared/domain/policy.ts';
import { runSnapshotName } from '#shared/domain/run.ts';
import { parseCron } from '#shared/domain/schedule/cron.ts';
import { nextRuns } from '#shared/domain/schedule/next-runs.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import {
  type GuardPrediction,
  guardEstimate,
  type PlaceFigures,
  type PlannedWrite,
  predictStorageGuard,
  prunableBeforeBackup,
} from '#shared/domain/storage/predict-guard.ts';
import { SHARED_NODE } from '#shared/domain/storage/storage.ts';
import { guardThreshold } from '#shared/domain/storage/storage-guard.ts';
import { authorize } from '../audit-trail.ts';
import { decideBackupRetention } from '../backup-policy/backup-retention.ts';
import { mapWithLimit, READS_IN_FLIGHT } from '../map-with-limit.ts';
import { getPolicy } from '../policies.ts';
import { type NOT_INCLUDED_REASONS, policyTargets } from '../policy-targets.ts';
import { decideGuestRetention, type SnapshotDecision } from '../retention/guest-retention.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { MAX_DELETIONS_PER_GUEST_IN_RUN, runLaneChunk } from './work-item.ts';

/** Runs whose task times the expected duration is estimated from (newest first). */
const HISTORY_RUNS = 20;

export interface DryRunPlan {
  readonly policyId: string;
  readonly policyName: string;
  readonly enabled: boolean;
  /** The moment planned for: a run started now. */
  readonly at: string;
  /** A run now's snapshot name; its last four characters come from the run's id, so they differ. */
  readonly snapshotName: string;
  /** The next scheduled tick and its (deterministic) snapshot name; absent while disabled. */
  readonly nextScheduled?: { readonly scheduledTime: string; readonly snapshotName: string };
  readonly targets: Array<{
    readonly guestId: string;
    readonly clusterId: string;
    readonly node: string;
    readonly vmid: number;
    readonly name: string;
    readonly note?: string;
  }>;
  readonly notIncluded: Array<{
    readonly guestId: string;
    readonly vmid: number;
    readonly name: string;
    readonly reason: (typeof NOT_INCLUDED_REASONS)[number];
    readonly detail?: string;
  }>;
  readonly lanes: Array<{
    readonly lane: string;
    readonly clusterId: string;
    readonly node: string;
    /** Snapshots in flight at once on the node. */
    readonly perNode: number;
    /** Lane executions the node's guests are split into, run one after another. */
    readonly chunks: number;
    readonly guests: Array<{ readonly guestId: string; readonly vmid: number; readonly vmstate: boolean }>;
    /** From the node's median task time in recent runs (or the tenant's); absent without history. */
    readonly expectedSeconds?: number;
  }>;
  /** The longest lane's (lanes run side by side). */
  readonly expectedSeconds?: number;
  /** What retention deletes per guest once the run's snapshot exists, oldest first. */
  readonly retention: Array<{
    readonly guestId: string;
    readonly delete: Array<{
      readonly name: string;
      /** A backup policy's: the archive's storage (`name` is its volume id). */
      readonly storage?: string;
      readonly reason: SnapshotDecision['reason'];
      readonly inThisRun: boolean;
    }>;
  }>;
}

/** Median task seconds per node and over all nodes, from the tenant's recent runs. */
async function pastTaskTimes(deps: ServiceDeps, tenantId: string) {
  const runs = await deps.store.runs.list(tenantId, { limit: HISTORY_RUNS });
  const results = (
    await Promise.all(runs.items.map((run) => deps.store.runs.results(tenantId, run.id)))
  ).flat();
  const byNode = new Map(durationsByNode(results).map((node) => [node.node, node.p50Seconds]));
  const all = results
    .filter((result) => result.outcome === 'succeeded')
    .map(taskSeconds)
    .filter((seconds) => seconds !== undefined);
  return { byNode, overall: percentile(all, 0.5) };
}

/**
 * The plan of a run of the policy started now, without starting it and without a call to
 * Proxmox: the targets from the last inventory (a real run syncs it first), the lanes the run
 * lays out, the names it gives, how long it should take and what its retention deletes. Same
 * checks as "run now": the operator role and an existing policy of the tenant.
 */
export async function dryRunPolicy(
  deps: ServiceDeps,
  context: AuditContext,
  policyId: string,
): Promise<DryRunPlan> {
  await authorize(deps, context, 'operate', {
    action: 'policy.dry-run',
    resourceType: 'policy',
    resourceId: policyId,
  });
  const policy = await getPolicy(deps, context, policyId);
  const tenantId = context.principal.tenantId;
  const nowMs = deps.now();
  const at = new Date(nowMs).toISOString();
  const { targets, notIncluded } = await policyTargets(deps, context, policyId);
  const snapshotName = runSnapshotName(policy.snapshot.namePrefix, at, 'manual', `dry-run ${at}`);
  const [next] = policy.enabled
    ? nextRuns(parseCron(policy.schedule.cron), policy.schedule.timezone, nowMs, 1)
    : [];
  const perNode = perNodeLimit(policy);
  const times = await pastTaskTimes(deps, tenantId);
  const chunk = runLaneChunk(policy, targets.length);
  const lanes = planLanes(targets, policy.snapshot.includeMemory, chunk).map((planned) => {
    const guests = planned.chunks.flat();
    const median = times.byNode.get(planned.node) ?? times.overall;
    return {
      lane: planned.lane,
      clusterId: planned.clusterId,
      node: planned.node,
      perNode,
      chunks: planned.chunks.length,
      guests: guests.map(({ guestId, vmid, vmstate }) => ({ guestId, vmid, vmstate })),
      ...(median !== undefined ? { expectedSeconds: Math.ceil(guests.length / perNode) * median } : {}),
    };
  });
  const estimates = lanes.map((lane) => lane.expectedSeconds).filter((seconds) => seconds !== undefined);
  // One read per guest, a bounded number at once (a policy may cover tens of thousands).
  const afterRun = await mapWithLimit(targets, READS_IN_FLIGHT, async (guest) => ({
    guest,
    ...(await retentionAfterRun(deps, policy, guest, snapshotName, at)),
  }));
  const guard = await storageGuardOf(deps, policy, afterRun);
  const prunedFirst = new Set(guard.flatMap((prediction) => prediction.pruned));
  const retention = afterRun.map(({ guest, decisions }) => {
    const deletions = decisions.filter((decision) => !decision.keep).reverse();
    return {
      guestId: guest.id,
      delete: deletions.map((decision, index) => ({
        name: decision.name,
        ...(decision.storage ? { storage: decision.storage } : {}),
        reason: decision.reason,
        inThisRun: index < MAX_DELETIONS_PER_GUEST_IN_RUN || prunedFirst.has(decision.name),
        ...(prunedFirst.has(decision.name) ? { beforeBackup: true } : {}),
      })),
    };
  });
  return {
    policyId: policy.id,
    policyName: policy.name,
    enabled: policy.enabled,
    at,
    snapshotName,
    ...(next !== undefined
      ? {
          nextScheduled: {
            scheduledTime: new Date(next).toISOString(),
            snapshotName: runSnapshotName(
              policy.snapshot.namePrefix,
              new Date(next).toISOString(),
              'schedule',
              '',
            ),
          },
        }
      : {}),
    targets: targets.map((guest) => ({
      guestId: guest.id,
      clusterId: guest.clusterId,
      node: guest.node,
      vmid: guest.vmid,
      name: guest.name,
      ...(guest.note ? { note: guest.note } : {}),
    })),
    notIncluded: notIncluded.map((entry) => ({
      guestId: entry.guest.id,
      vmid: entry.guest.vmid,
      name: entry.guest.name,
      reason: entry.reason,
      ...(entry.detail ? { detail: entry.detail } : {}),
    })),
    lanes,
    ...(estimates.length > 0 ? { expectedSeconds: Math.max(...estimates) } : {}),
    retention: retention.filter((guest) => guest.delete.length > 0),
    ...(guard.length > 0 ? { storageGuard: guard } : {}),
  };
}

/**
 * A backup policy's storage guard played forward over the run's guests (`predictStorageGuard`),
 * from the last inventory's storage figures and each guest's archives: which guests would first
 * have archives pruned (`pruneBeforeBackup`) and which would be skipped; guests that simply fit
 * are not listed. Snapshot policies get none (a RAM state's estimate needs Proxmox's view of the
 * guest's disks, and a dry run calls no Proxmox).
 */
async function storageGuardOf(
  deps: ServiceDeps,
  policy: Policy,
  afterRun: ReadonlyArray<{
    guest: Pick<Guest, 'id' | 'clusterId' | 'node' | 'vmid'>;
    decisions: ReadonlyArray<SnapshotDecision & { storage?: string }>;
    archives?: BackupRecord[];
  }>,
): Promise<GuardPrediction[]> {
  const backup = policy.kind === 'backup' ? policy.backup : undefined;
  if (!backup) return [];
  const pruneFirst = backup.pruneBeforeBackup === true;
  const tenant = await deps.store.tenants.get(policy.tenantId);
  const thresholdOf = (storage: string) =>
    guardThreshold(policy.storageGuard, tenant?.storageGuardPercent, storage, pruneFirst);
  if (thresholdOf(backup.storage) === undefined) return [];
  const places = new Map<string, PlaceFigures>();
  for (const clusterId of new Set(afterRun.map(({ guest }) => guest.clusterId))) {
    for (const record of await deps.store.storages.ofCluster(policy.tenantId, clusterId)) {
      places.set(`${clusterId}/${record.storage}/${record.node}`, record);
    }
  }
  const writes = afterRun.map(({ guest, decisions, archives = [] }): PlannedWrite => {
    const shared = places.has(`${guest.clusterId}/${backup.storage}/${SHARED_NODE}`);
    const dropped = new Set(decisions.filter((decision) => !decision.keep).map((decision) => decision.name));
    return {
      guestId: guest.id,
      storage: backup.storage,
      place: `${guest.clusterId}/${backup.storage}/${shared ? SHARED_NODE : guest.node}`,
      estimate: guardEstimate(archives),
      prunable: prunableBeforeBackup(archives, policy.id, backup.storage, dropped).map((record) => ({
        name: record.volid,
        size: record.size ?? 0,
      })),
    };
  });
  return predictStorageGuard(writes, places, thresholdOf, pruneFirst).filter(
    (prediction) => prediction.outcome !== 'fits',
  );
}

/**
 * A guest's retention decisions once the run's recovery point exists: its snapshot, or for a
 * backup policy an archive on the policy's storage (named as vzdump would name it now).
 */
async function retentionAfterRun(
  deps: ServiceDeps,
  policy: Policy,
  guest: Pick<Guest, 'id' | 'clusterId' | 'node' | 'type' | 'vmid'>,
  snapshotName: string,
  at: string,
): Promise<{ decisions: Array<SnapshotDecision & { storage?: string }>; archives?: BackupRecord[] }> {
  const tenantId = policy.tenantId;
  if (policy.kind === 'backup' && policy.backup) {
    const compress = policy.backup.compress;
    const file = formatArchiveName({
      guestType: guest.type,
      vmid: guest.vmid,
      // The node's local time in a real name; only its place among the guest's archives matters here.
      stamp: at.slice(0, 19).replaceAll('-', '_').replace('T', '-').replaceAll(':', '_'),
      format: guest.type === 'qemu' ? 'vma' : 'tar',
      compression: compress === 'none' ? '0' : compress,
    });
    const volid = `${policy.backup.storage}:backup/${file}`;
    const written: BackupRecord = {
      tenantId,
      id: formatBackupId(guest.id, volid),
      guestId: guest.id,
      clusterId: guest.clusterId,
      node: guest.node,
      guestType: guest.type,
      vmid: guest.vmid,
      storage: policy.backup.storage,
      volid,
      createdAt: at,
      scheduledTime: at,
      status: 'created',
      origin: 'policy',
      policyId: policy.id,
    };
    const archives = await deps.store.backups.listForGuest(tenantId, guest.id);
    return { decisions: decideBackupRetention(policy, [...archives, written], deps.now()), archives };
  }
  const taken: SnapshotRecord = {
    tenantId,
    guestId: guest.id,
    name: snapshotName,
    policyId: policy.id,
    scheduledTime: at,
    status: 'created',
    vmstate: false,
    createdAt: at,
  };
  const records = [...(await deps.store.snapshots.list(tenantId, guest.id)), taken];
  return { decisions: decideGuestRetention(policy, records, deps.now()) };
}
