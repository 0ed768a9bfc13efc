import type { Store } from '#shared/adapters/dynamo/store.ts';
import { auditSummary } from '#shared/domain/audit.ts';
import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import { formatGuestId } from '#shared/domain/guest-id.ts';
import type { Policy } from '#shared/domain/policy.ts';
import type { CommandResults, ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import type { RunState } from '#shared/domain/run.ts';
import { policyArchivesOn, prunableBeforeBackup } from '#shared/domain/storage/predict-guard.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { IdGenerator } from '#shared/ports/ids.ts';
import { decidePoints } from '../retention/guest-retention.ts';
import { DELETED_RECORD_DAYS } from '../retention/record-prune.ts';

export interface PruneForRoomDeps {
  readonly store: Store;
  readonly call: <C extends ConnectorCommand>(command: C) => Promise<CommandResults[C['type']]>;
  readonly ids: IdGenerator;
  readonly now: Clock;
}

/** Seconds Proxmox waits for each deletion's task, so the room is there before the vzdump starts. */
const DELETE_WAIT_SECONDS = 10;
const COMING = '\u0000coming';

/**
 * `pruneBeforeBackup`: the guest's own archives on the storage that the policy's retention would
 * delete once this run's archive exists, deleted now, oldest first, until `needed` bytes are free:
 * 1. candidates are the policy's archives of the guest on the storage that exist, decided with a
 *    stand-in for the coming archive at the run's tick; never protected or external ones, never
 *    the newest existing one (the last good copy until the new one is written);
 * 2. each deletion waits for Proxmox's task (`delay`); one that does not finish in time, or
 *    fails, stops the pruning (the run's retention tries it again after the backup);
 * 3. each deleted archive is recorded `deleted` (`pruned`, by `run <id>`) with its `backup.prune`
 *    audit event and its usage counter change, as retention records one.
 * Returns the bytes freed.
 */
export async function pruneForRoom(
  deps: PruneForRoomDeps,
  input: {
    readonly tenantId: string;
    readonly clusterId: string;
    readonly node: string;
    readonly vmid: number;
    readonly storage: string;
    readonly policy: Policy;
    readonly run: RunState;
    readonly needed: number;
  },
): Promise<number> {
  const { tenantId, policy, run, storage } = input;
  const guestId = formatGuestId({ clusterId: input.clusterId, vmid: input.vmid });
  const all = await deps.store.backups.listForGuest(tenantId, guestId);
  const archives = policyArchivesOn(all, policy.id, storage);
  if (archives.length < 2) return 0;
  const timeOf = (record: BackupRecord) => Date.parse(record.scheduledTime ?? record.createdAt);
  const decisions = decidePoints(
    policy,
    [
      ...archives.map((record) => ({
        name: record.volid,
        time: timeOf(record),
        ...(record.protected ? { protected: true } : {}),
      })),
      { name: COMING, time: Date.parse(run.scheduledTime) },
    ],
    deps.now(),
  );
  const dropped = new Set(decisions.filter((d) => !d.keep && d.name !== COMING).map((d) => d.name));
  const candidates = prunableBeforeBackup(all, policy.id, storage, dropped);
  let freed = 0;
  for (const record of candidates) {
    if (freed >= input.needed) break;
    try {
      const { upid } = await deps.call({
        type: 'deleteVolume',
        node: input.node,
        storage,
        volid: record.volid,
        delay: DELETE_WAIT_SECONDS,
      });
      if (upid !== null) break;
    } catch {
      break;
    }
    await recordPruned(deps, record, run);
    freed += record.size ?? 0;
  }
  return freed;
}

async function recordPruned(deps: PruneForRoomDeps, record: BackupRecord, run: RunState): Promise<void> {
  const at = new Date(deps.now()).toISOString();
  const deleted: BackupRecord = {
    ...record,
    status: 'deleted',
    deletedAt: at,
    deletedBy: `run ${run.id}`,
    deleteReason: 'pruned',
  };
  const event = {
    id: deps.ids.next('aud'),
    tenantId: record.tenantId,
    at,
    actor: 'system:retention',
    role: 'admin' as const,
    requestId: `run ${run.id}`,
    outcome: 'success' as const,
    action: 'backup.prune',
    resourceType: 'guest',
    resourceId: record.guestId,
    before: auditSummary(record),
    after: auditSummary(deleted),
    reason: `pruned before the backup to make room on ${record.storage}, by the retention of policy ${run.policyId}`,
  };
  const ttl = Math.floor(deps.now() / 1000) + DELETED_RECORD_DAYS * 86_400;
  await deps.store.backups.markDeleted(deleted, deps.store.audit.entry(event), ttl, record);
}
