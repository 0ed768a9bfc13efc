import type { TransactItem } from '#shared/adapters/dynamo/table-access.ts';
import { auditSummary } from '#shared/domain/audit.ts';
import { formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import { auditEvent } from '../audit-trail.ts';
import { errorText, type GuestOutcome } from '../policy-run/record-result.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { SnapshotDeletion } from './prune-work.ts';

/** How long the record of a deleted snapshot or archive stays (the audit trail keeps the event longer). */
export const DELETED_RECORD_DAYS = 90;

/** What the state machine knows when a retention deletion ends. */
export interface PruneOutcome {
  readonly deletion: SnapshotDeletion;
  /** `gone`: Proxmox says the snapshot does not exist (deleted earlier or by hand); it counts as deleted. */
  readonly outcome: 'deleted' | 'gone' | 'failed';
  readonly error?: GuestOutcome['error'];
  readonly taskStatus?: { readonly exitstatus?: string };
}

/** The record fields pruning reads and writes, common to snapshot and backup records. */
interface PrunableRecord {
  readonly status: string;
  readonly pruneAttempts?: number;
}

/** What differs between pruning a snapshot and an archive: where its record lives, what is said. */
interface PruneKind<R extends PrunableRecord> {
  readonly action: 'snapshot.prune' | 'backup.prune';
  /** Where Proxmox no longer had it, said in the audit reason. */
  readonly goneFrom: string;
  get(): Promise<R | undefined>;
  markDeleted(deleted: R, audit: TransactItem, ttl: number, before: R): Promise<boolean>;
  recordFailure(record: R, failure: { text: string }, at: string): Promise<void>;
  /** Published after the deletion is recorded, again by a retried step (the same event id). */
  published?(): Promise<void>;
}

function snapshotKind(deps: ServiceDeps, deletion: SnapshotDeletion) {
  const { tenantId, guestId, name } = deletion;
  return {
    action: 'snapshot.prune',
    goneFrom: 'Proxmox',
    get: () => deps.store.snapshots.get(tenantId, guestId, name),
    markDeleted: (deleted, audit, ttl) => deps.store.snapshots.markDeleted(deleted, audit, ttl),
    recordFailure: (record, failure, at) =>
      deps.store.snapshots.put({
        ...record,
        pruneError: failure.text,
        pruneFailedAt: at,
        pruneAttempts: (record.pruneAttempts ?? 0) + 1,
      }),
    published: () =>
      deps.events.publish([
        domainEvent({
          tenantId,
          type: 'snapshot.deleted',
          subject: `${guestId}/${name}`,
          time: deps.now(),
          policyId: deletion.policyId,
          data: {
            guestId,
            vmid: deletion.vmid,
            snapshotName: name,
            reason: deletion.reason,
            by: deletion.by,
          },
        }),
      ]),
  } satisfies PruneKind<NonNullable<Awaited<ReturnType<ServiceDeps['store']['snapshots']['get']>>>>;
}

function backupKind(deps: ServiceDeps, deletion: SnapshotDeletion & { volid: string }) {
  const id = formatBackupId(deletion.guestId, deletion.volid);
  return {
    action: 'backup.prune',
    goneFrom: 'the storage',
    get: () => deps.store.backups.get(deletion.tenantId, deletion.guestId, id),
    markDeleted: (deleted, audit, ttl, before) => deps.store.backups.markDeleted(deleted, audit, ttl, before),
    recordFailure: (record, failure) =>
      deps.store.backups.put({
        ...record,
        pruneError: failure.text,
        pruneAttempts: (record.pruneAttempts ?? 0) + 1,
      }),
  } satisfies PruneKind<NonNullable<Awaited<ReturnType<ServiceDeps['store']['backups']['get']>>>>;
}

/**
 * Records how a retention deletion ended, with an audit event saying who deleted which snapshot
 * (or archive, for a backup policy: the deletion names its volume) and why. A deleted one's
 * record is marked `deleted` with its TTL in the same transaction as the audit event (once: a
 * retried step changes nothing). A failed deletion leaves it a candidate, so the next run or
 * sweep tries again; its record keeps Proxmox's error text and the attempt count.
 */
export async function recordPrune(deps: ServiceDeps, input: PruneOutcome): Promise<{ recorded: boolean }> {
  const { deletion } = input;
  return deletion.volid
    ? await recordWith(deps, input, backupKind(deps, { ...deletion, volid: deletion.volid }))
    : await recordWith(deps, input, snapshotKind(deps, deletion));
}

async function recordWith<R extends PrunableRecord>(
  deps: ServiceDeps,
  input: PruneOutcome,
  kind: PruneKind<R>,
): Promise<{ recorded: boolean }> {
  const { deletion } = input;
  const record = await kind.get();
  if (!record) return { recorded: false };
  if (record.status === 'deleted') {
    await kind.published?.();
    return { recorded: false };
  }
  const at = new Date(deps.now()).toISOString();
  const context = {
    principal: { tenantId: deletion.tenantId, subject: 'system:retention', role: 'admin' as const },
    requestId: deletion.by,
  };
  const facts = { action: kind.action, resourceType: 'guest', resourceId: deletion.guestId };
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
      reason: `${deletion.reason} by the retention of policy ${deletion.policyId}${input.outcome === 'gone' ? ` (already gone from ${kind.goneFrom})` : ''}`,
    });
    const ttl = Math.floor(deps.now() / 1000) + DELETED_RECORD_DAYS * 86_400;
    const recorded = await kind.markDeleted(deleted, deps.store.audit.entry(event), ttl, record);
    await kind.published?.();
    return { recorded };
  }
  const failure = input.taskStatus?.exitstatus
    ? { text: input.taskStatus.exitstatus }
    : errorText(input.error);
  await kind.recordFailure(record, failure, at);
  await deps.store.audit.record(
    auditEvent(deps, context, {
      ...facts,
      outcome: 'failure',
      reason: `deleting ${deletion.name} (${deletion.reason}) failed, tried again next time: ${failure.text}`,
    }),
  );
  return { recorded: true };
}
