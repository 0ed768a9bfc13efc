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
  /** Sweep lanes take no snapshot and only prune. */
  readonly pruneOnly: boolean;
  /** Who prunes, for the records and the audit trail: `run <runId>` or `sweep <date>`. */
  readonly pruneBy: string;
}

/** One guest of a lane, as compact as the state machine's 256 KiB payload limit asks. */
export interface LaneGuest {
  readonly guestId: string;
  readonly node: string;
  readonly guestType: 'qemu' | 'lxc';
  readonly vmid: number;
  readonly vmstate: boolean;
}

/** One guest's share of a policy run, as the lane's Map assembles it for each iteration. */
export type SnapshotWorkItem = LaneContext & LaneGuest;

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

/** The input every policy run starts with (from the schedule or from "run now"). */
export interface PolicyRunInput {
  readonly tenantId: string;
  readonly policyId: string;
  /** The tick, ISO 8601 in UTC. */
  readonly scheduledTime: string;
  readonly trigger: 'schedule' | 'manual';
  /**
   * The run's id when it is not the tick's (a "run now" gets its own id per request, so two in
   * the same millisecond are two runs); a scheduled tick's id is derived from policy and time.
   */
  readonly runId?: string;
  /** Set when a run left unfinished (e.g. by a crash) is started again to finish it. */
  readonly resume?: boolean;
}

/** One node's work as ResolveTargets hands it to the parent: its stored lanes (chunks), run one after another. */
export interface LaneSummary {
  /** `<clusterId>/<node>`. */
  readonly lane: string;
  /** The indexes of the node's stored lanes. */
  readonly chunks: number[];
  readonly guests: number;
}

/**
 * Guests per lane execution. About 27 history events per guest plus about 20 per deletion (at
 * most {@link MAX_DELETIONS_PER_GUEST_IN_RUN} per guest) keep a lane under Step Functions'
 * 25,000-event quota.
 */
export const LANE_CHUNK = 250;
/** Retention deletions per guest within a run (the daily sweep takes more); see {@link LANE_CHUNK}. */
export const MAX_DELETIONS_PER_GUEST_IN_RUN = 3;

/** Who acts when the service itself runs a policy. */
export const systemContext = (tenantId: string, runId: string) => ({
  principal: { tenantId, subject: 'system:policy-run', role: 'admin' as const },
  requestId: runId,
});
