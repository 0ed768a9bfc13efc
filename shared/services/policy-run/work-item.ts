export type { LaneContext, LaneRef, StoredLane } from '#shared/domain/lane.ts';
export type { PolicyRunInput } from '#shared/ports/workflow-starter.ts';

import { type GuestPathLimits, laneSizeFor, worstGuestHistory } from '#shared/domain/history-budget.ts';
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

/** Retention deletions per guest within a run (the daily sweep takes more); see {@link LANE_CHUNK}. */
export const MAX_DELETIONS_PER_GUEST_IN_RUN = 3;

/**
 * The bounds of a guest's path through a lane, as the lane's definition has them
 * (`infra/constructs/policy-run-workflow.ts`; `test/infra/lane-history.test.ts` keeps them equal),
 * and the longest task the history budget allows for.
 */
export const LANE_PATH_LIMITS: GuestPathLimits = {
  firstCheckSeconds: 3,
  checkSeconds: 2,
  lockAttempts: 10,
  deletions: MAX_DELETIONS_PER_GUEST_IN_RUN,
  deleteLockAttempts: 10,
  firstDeleteCheckSeconds: 2,
  deleteCheckSeconds: 2,
  maxTaskSeconds: 60,
};

/**
 * Guests per lane execution: as many as keep the lane's worst-case history within
 * {@link HISTORY_BUDGET} (every guest waiting out every lock, tasks polled for a minute, each
 * deletion too), so no lane reaches Step Functions' 25,000-event quota.
 */
export const LANE_CHUNK = laneSizeFor(worstGuestHistory(LANE_PATH_LIMITS));

/** Who acts when the service itself runs a policy. */
export const systemContext = (tenantId: string, runId: string) => ({
  principal: { tenantId, subject: 'system:policy-run', role: 'admin' as const },
  requestId: runId,
});
