import { auditSummary } from '#shared/domain/audit.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import { auditEvent } from '../audit-trail.ts';
import { recordBackupPrune } from '../backup-policy/record-backup-prune.ts';
import { errorText, type GuestOutcome } from '../policy-run/record-result.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { SnapshotDeletion } from './prune-work.ts';

/** How long the record of a deleted snapshot stays in the guest's timeline (the audit trail keeps the event longer). */
export const DELETED_RECORD_DAYS = 90;

/** What the state machine knows when a retention deletion ends. */
export interface PruneOutcome {
  readonly deletion: SnapshotDeletion;
  /** `gone`: Proxmox says the snapshot does not exist (deleted earlier or by hand); it counts as deleted. */
  readonly outcome: 'deleted' | 'gone' | 'failed';
  readonly error?: GuestOutcome['error'];
  readonly taskStatus?: { readonly exitstatus?: string };
}

/**
 * Records how a retention deletion ended, with an audit event saying who deleted which snapshot
 * and why. A deleted snapshot's record is marked `deleted` (once: a retried step changes
 * nothing). A failed deletion leaves the snapshot a candidate, so the next run or sweep tries it
 * again; its record keeps Proxmox's error text and the attempt count.
 */
export async function recordPrune(deps: ServiceDeps, input: PruneOutcome): Promise<{ recorded: boolean }> {
  const { deletion } = input;
  if (deletion.volid) return await recordBackupPrune(deps, input);
  // The same event id every time: a retried step re-publishes what its first attempt may not have.
  const publishDeleted = () =>
    deps.events.publish([
      domainEvent({
        tenantId: deletion.tenantId,
        type: 'snapshot.deleted',
        subject: `${deletion.guestId}/${deletion.name}`,
        time: deps.now(),
        policyId: deletion.policyId,
        data: {
          guestId: deletion.guestId,
          vmid: deletion.vmid,
          snapshotName: deletion.name,
          reason: deletion.reason,
          by: deletion.by,
        },
      }),
    ]);
  const record = await deps.store.snapshots.get(deletion.tenantId, deletion.guestId, deletion.name);
  if (!record) return { recorded: false };
  if (record.status === 'deleted') {
    await publishDeleted();
    return { recorded: false };
  }
  const at = new Date(deps.now()).toISOString();
  const context = {
    principal: { tenantId: deletion.tenantId, subject: 'system:retention', role: 'admin' as const },
    requestId: deletion.by,
  };
  const facts = {
    action: 'snapshot.prune',
    resourceType: 'guest',
    resourceId: deletion.guestId,
  };
  if (input.outcome !== 'failed') {
    const deleted = {
      ...record,
      status: 'deleted' as const,
      deletedAt: at,
      deletedBy: deletion.by,
      deleteReason: deletion.reason,
    };
    const event = auditEvent(deps, context, {
      ...facts,
      before: auditSummary(record),
      after: auditSummary(deleted),
      reason: `${deletion.reason} by the retention of policy ${deletion.policyId}${input.outcome === 'gone' ? ' (already gone from Proxmox)' : ''}`,
    });
    const ttl = Math.floor(deps.now() / 1000) + DELETED_RECORD_DAYS * 86_400;
    const recorded = await deps.store.snapshots.markDeleted(deleted, deps.store.audit.entry(event), ttl);
    await publishDeleted();
    return { recorded };
  }
  const failure = input.taskStatus?.exitstatus
    ? { type: 'ProxmoxTaskFailedError', text: input.taskStatus.exitstatus }
    : errorText(input.error);
  await deps.store.snapshots.put({
    ...record,
    pruneError: failure.text,
    pruneFailedAt: at,
    pruneAttempts: (record.pruneAttempts ?? 0) + 1,
  });
  await deps.store.audit.record(
    auditEvent(deps, context, {
      ...facts,
      outcome: 'failure',
      reason: `deleting ${deletion.name} (${deletion.reason}) failed, tried again next time: ${failure.text}`,
    }),
  );
  return { recorded: true };
}
