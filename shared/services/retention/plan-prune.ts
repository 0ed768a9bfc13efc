import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { decideBackupRetention } from '../backup-policy/backup-retention.ts';
import { MAX_DELETIONS_PER_GUEST_IN_RUN } from '../policy-run/work-item.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { decideGuestRetention, type SnapshotDecision } from './guest-retention.ts';
import { MAX_DELETIONS_PER_GUEST, type PruneTarget, type SnapshotDeletion } from './prune-work.ts';

/**
 * The guest's snapshot records with `written` among them: a run's record step reads them while it
 * writes that record, so the read may list it or not list it yet. One of that name already
 * listed is the stored truth.
 */
function withWritten(records: SnapshotRecord[], written: SnapshotRecord | undefined): SnapshotRecord[] {
  if (!written || records.some((record) => record.name === written.name)) return records;
  return [...records, written];
}

/**
 * Decides, from the guest's records as they are now, which of the policy's snapshots retention
 * deletes (the same decisions as the preview), oldest first. Writes nothing: a deletion is
 * recorded only once Proxmox confirms it, and one that fails is decided again next time.
 * `written`: the snapshot record the caller is writing meanwhile, counted as stored (see
 * {@link withWritten}); the caller uses the plan only if its write went through.
 */
export async function planPrune(
  deps: ServiceDeps,
  input: { item: PruneTarget; written?: SnapshotRecord },
): Promise<{ deletions: SnapshotDeletion[] }> {
  const { item } = input;
  const backups = () => deps.store.backups.listForGuest(item.tenantId, item.guestId);
  const snapshots = () =>
    deps.store.snapshots
      .list(item.tenantId, item.guestId)
      .then((records) => withWritten(records, input.written));
  // A run's item knows its policy's kind: the guest's records are read with the policy, not after.
  const early = item.kind === 'backup' ? backups() : item.kind === 'snapshot' ? snapshots() : undefined;
  early?.catch(() => undefined);
  const policy = await deps.store.policies.get(item.tenantId, item.policyId);
  if (!policy) return { deletions: [] };
  const kind = policy.kind ?? 'snapshot';
  const read = <T>(list: () => Promise<T>): Promise<T> =>
    early && item.kind === kind ? (early as Promise<T>) : list();
  const decisions: Array<SnapshotDecision & { storage?: string }> =
    kind === 'backup'
      ? decideBackupRetention(policy, await read(backups), deps.now())
      : decideGuestRetention(policy, await read(snapshots), deps.now());
  const deletions = decisions
    .filter((decision) => !decision.keep)
    .reverse()
    .slice(0, item.pruneOnly ? MAX_DELETIONS_PER_GUEST : MAX_DELETIONS_PER_GUEST_IN_RUN)
    .map(
      (decision): SnapshotDeletion => ({
        tenantId: item.tenantId,
        policyId: item.policyId,
        clusterId: item.clusterId,
        guestId: item.guestId,
        node: item.node,
        guestType: item.guestType,
        vmid: item.vmid,
        ...(item.runId ? { runId: item.runId } : {}),
        name: decision.name,
        ...(decision.storage ? { volid: decision.name, storage: decision.storage } : {}),
        reason: decision.reason === 'max-age' ? 'max-age' : 'pruned',
        by: item.pruneBy,
      }),
    );
  return { deletions };
}
