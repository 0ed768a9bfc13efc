import type { GuestType } from './guest.ts';
import type { PolicyKind } from './policy.ts';

/** vzdump's options for each guest of a backup lane: the connector's `vzdump` command without node and guest. */
export interface VzdumpOptions {
  readonly type: 'vzdump';
  readonly storage: string;
  readonly mode: 'snapshot' | 'suspend' | 'stop';
  readonly compress: '0' | 'gzip' | 'lzo' | 'zstd';
  readonly protected: boolean;
  readonly notesTemplate?: string;
  readonly bwlimit?: number;
}

/** What every guest of a lane shares: the run (or the sweep) and the cluster. */
export interface LaneContext {
  readonly tenantId: string;
  /** The run's id; for a sweep's prune-only lane, the lane's own id. */
  readonly runId: string;
  readonly policyId: string;
  /** For notifications (`[nightly] snapshot failed on guest 101`). */
  readonly policyName: string;
  readonly scheduledTime: string;
  readonly clusterId: string;
  readonly snapshotName: string;
  readonly description: string;
  /** What each guest gets: a snapshot, or a vzdump backup with {@link vzdump}'s options. */
  readonly kind: PolicyKind;
  /** Set for a backup lane, null otherwise (present either way: the lane's definition reads it). */
  readonly vzdump: VzdumpOptions | null;
  /** Sweep lanes take no snapshot and only prune. */
  readonly pruneOnly: boolean;
  /** Who prunes, for the records and the audit trail: `run <runId>` or `sweep <date>`. */
  readonly pruneBy: string;
}

/** One guest of a lane, as compact as the state machine's 256 KiB payload limit asks. */
export interface LaneGuest {
  readonly guestId: string;
  readonly node: string;
  readonly guestType: GuestType;
  readonly vmid: number;
  readonly vmstate: boolean;
}

/**
 * A lane as stored in the table: the state machines carry only its reference, because a run's
 * guests listed in full would pass Step Functions' 256 KiB limit on a state's input or output
 * from a few hundred guests on.
 */
export interface StoredLane {
  readonly context: LaneContext;
  /** The policy's cap of snapshots in flight on this node. */
  readonly perNode: number;
  readonly guests: LaneGuest[];
}

/** Where a lane is stored: the lane child execution's whole input. */
export interface LaneRef {
  readonly tenantId: string;
  /** The run id, or the sweep lane's id. */
  readonly laneSetId: string;
  readonly index: number;
}
