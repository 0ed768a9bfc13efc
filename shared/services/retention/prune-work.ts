import type { SnapshotWorkItem } from '../policy-run/work-item.ts';

/** One guest whose snapshots a policy's retention applies to (a run's or a sweep's lane item). */
export type PruneTarget = Pick<
  SnapshotWorkItem,
  'tenantId' | 'policyId' | 'clusterId' | 'guestId' | 'node' | 'guestType' | 'vmid' | 'pruneBy'
> & {
  readonly runId?: string;
};

/** One snapshot retention deletes, as it travels through the delete step. */
export interface SnapshotDeletion extends Omit<PruneTarget, 'pruneBy'> {
  readonly name: string;
  /** The retention decision: `pruned` (no rule keeps it) or `max-age`. */
  readonly reason: 'pruned' | 'max-age';
  /** Who deletes it, for the record and the audit trail: `run <id>` or `sweep <date>`. */
  readonly by: string;
}

/** Deletions per guest in one pass; more wait for the next run or sweep, so a history stays bounded. */
export const MAX_DELETIONS_PER_GUEST = 25;
