export type { LaneContext, LaneGuest, LaneRef, StoredLane } from '#shared/domain/lane.ts';
export type { PolicyRunInput } from '#shared/ports/workflow-starter.ts';

import type { LaneContext, LaneGuest } from '#shared/domain/lane.ts';

/** One guest's share of a policy run, as the lane's Map assembles it for each iteration. */
export type SnapshotWorkItem = LaneContext & LaneGuest;

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
