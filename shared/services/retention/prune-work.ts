import type { SnapshotWorkItem } from '../policy-run/work-item.ts';

/**
 * One guest whose snapshots a policy's retention applies to: a policy-run item after its
 * snapshot is recorded, or a sweep item (`pruneOnly`) that takes no snapshot.
 */
export type PruneTarget = Pick<
  SnapshotWorkItem,
  'tenantId' | 'policyId' | 'clusterId' | 'guestId' | 'node' | 'guestType' | 'vmid'
> & {
  /** The run that prunes, or absent for the sweep. */
  readonly runId?: string;
  /** Set on sweep items: the lane skips the snapshot and only prunes. */
  readonly pruneOnly?: boolean;
  /** The sweep that prunes, e.g. `sweep-2026-11-23`. */
  readonly sweepId?: string;
};

/** One snapshot retention deletes, as it travels through the delete step. */
export interface SnapshotDeletion extends Omit<PruneTarget, 'pruneOnly' | 'sweepId'> {
  readonly name: string;
  /** The retention decision: `pruned` (no rule keeps it) or `max-age`. */
  readonly reason: 'pruned' | 'max-age';
  /** Who deletes it, for the record and the audit trail: `run <id>` or `sweep <date>`. */
  readonly by: string;
}

/** Deletions per guest in one pass; more wait for the next run or sweep, so a history stays bounded. */
export const MAX_DELETIONS_PER_GUEST = 25;
