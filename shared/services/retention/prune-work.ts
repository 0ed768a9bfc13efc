import type { PolicyKind } from '#shared/domain/policy.ts';
import type { SnapshotDeleteReason } from '#shared/domain/snapshot-record.ts';
import type { SnapshotWorkItem } from '../policy-run/work-item.ts';

/** One guest whose snapshots a policy's retention applies to (a run's or a sweep's lane item). */
export type PruneTarget = Pick<
  SnapshotWorkItem,
  'tenantId' | 'policyId' | 'clusterId' | 'guestId' | 'node' | 'guestType' | 'vmid' | 'pruneBy'
> & {
  /** The policy's kind when the caller knows it (a run's item): the guest's records are then read with the policy. */
  readonly kind?: PolicyKind;
  readonly runId?: string;
  /** Sweep items: more deletions per guest (see {@link MAX_DELETIONS_PER_GUEST}). */
  readonly pruneOnly?: boolean;
};

/** One snapshot retention deletes, as it travels through the delete step. */
export interface SnapshotDeletion extends Omit<PruneTarget, 'pruneBy' | 'pruneOnly'> {
  /** The snapshot's name; for a backup policy's archive, its volume id. */
  readonly name: string;
  /** Set for an archive (a backup policy): deleted through the storage's content, not as a snapshot. */
  readonly volid?: string;
  readonly storage?: string;
  /** The retention decision: `pruned` (no rule keeps it) or `max-age`. */
  readonly reason: SnapshotDeleteReason;
  /** Who deletes it, for the record and the audit trail: `run <id>` or `sweep <date>`. */
  readonly by: string;
}

/**
 * Deletions per guest in one sweep pass; more wait for the next sweep, so a lane's history stays
 * bounded (a run deletes fewer: MAX_DELETIONS_PER_GUEST_IN_RUN).
 */
export const MAX_DELETIONS_PER_GUEST = 25;
/** Guests per prune-only lane: ~8 history events each plus ~20 per deletion stay under the quota. */
export const SWEEP_LANE_CHUNK = 40;
