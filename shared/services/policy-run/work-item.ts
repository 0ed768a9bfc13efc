export type { LaneContext, LaneRef, StoredLane } from '#shared/domain/lane.ts';
export type { PolicyRunInput } from '#shared/ports/workflow-starter.ts';

import {
  type BackupPathLimits,
  type GuestPathLimits,
  laneSizeFor,
  worstBackupGuestHistory,
  worstGuestHistory,
  worstHookHistory,
} from '#shared/domain/history-budget.ts';
import type { PolicyHooks } from '#shared/domain/hooks/hook-spec.ts';
import { longestHookSeconds, policyHasHooks } from '#shared/domain/hooks/resolve-hook.ts';
import type { LaneContext, LaneGuest } from '#shared/domain/lane.ts';
import { type PolicyKind, type PolicySpec, perNodeLimit } from '#shared/domain/policy.ts';

/** One guest's share of a policy run, as the lane's Map assembles it for each iteration. */
export type SnapshotWorkItem = LaneContext &
  LaneGuest & {
    /** Set by a pre hook that failed under `onFailure: continue`; the result carries it. */
    readonly hookWarning?: string;
  };

/** One node's work as ResolveTargets hands it to the parent: its stored lanes (chunks), run one after another. */
export interface LaneSummary {
  /** `<clusterId>/<node>`. */
  readonly lane: string;
  /** The indexes of the node's stored lanes. */
  readonly chunks: number[];
  readonly guests: number;
  /** The node's lanes start as Express fast lanes (see {@link takesFastLane}); the rest go to the Standard lane. */
  readonly fast: boolean;
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

/**
 * The bounds of a guest's path through a backup lane (the definition's backup states; the
 * history test keeps them equal): the first look at a vzdump after 5 s, then waits of about a
 * quarter of the time it has run (5 s until 20 s, 10 s until a minute, ... 2 minutes until 16
 * minutes), then one every 5 minutes, for backups of up to 8 hours: a vzdump is seen stopped
 * within a third of its length after its first minute, within 5 minutes after its 16th. Archive
 * deletions (`imgdel` removes a file) looked at every 2 s for up to 30 s.
 */
export const BACKUP_PATH_LIMITS: BackupPathLimits = {
  firstCheckSeconds: 5,
  pollSteps: [
    { seconds: 5, looks: 3 },
    { seconds: 10, looks: 4 },
    { seconds: 20, looks: 3 },
    { seconds: 30, looks: 4 },
    { seconds: 60, looks: 4 },
    { seconds: 120, looks: 4 },
    { seconds: 300 },
  ],
  lockAttempts: 10,
  deletions: MAX_DELETIONS_PER_GUEST_IN_RUN,
  firstDeleteCheckSeconds: 2,
  deleteCheckSeconds: 2,
  maxBackupSeconds: 8 * 3600,
  maxArchiveDeleteSeconds: 30,
};

/** Guests per backup lane execution, from the backup path's worst case (see {@link LANE_CHUNK}). */
export const BACKUP_LANE_CHUNK = laneSizeFor(worstBackupGuestHistory(BACKUP_PATH_LIMITS));

/**
 * Guests per lane execution for a policy: by its kind, and smaller when its hooks may be looked
 * at for minutes (a guest-agent hook is polled every few seconds up to its timeout).
 */
export function laneChunkFor(policy: { kind?: PolicyKind; hooks?: PolicyHooks }): number {
  const hooks =
    worstHookHistory(longestHookSeconds(policy.hooks, 'pre')) +
    worstHookHistory(longestHookSeconds(policy.hooks, 'post'));
  if (hooks === 0) return policy.kind === 'backup' ? BACKUP_LANE_CHUNK : LANE_CHUNK;
  const guest =
    policy.kind === 'backup'
      ? worstBackupGuestHistory(BACKUP_PATH_LIMITS)
      : worstGuestHistory(LANE_PATH_LIMITS);
  return laneSizeFor(guest + hooks);
}

/**
 * The fast lane's looks (`infra/constructs/fast-lane.ts`; `test/infra/fast-lane-limits.test.ts`
 * keeps them equal to its Wait states): the first look at a snapshot task, the waits between the
 * later looks (a task still running after the last is handed to the Standard lane, about 24 s
 * after it started), and the same for each retention deletion (one still running after its last
 * look is recorded as failed).
 */
const FAST_LANE_LOOKS = {
  firstCheckSeconds: 2,
  checkSeconds: [1, 1, 2, 2, 4, 4, 8],
  firstDeleteCheckSeconds: 1,
  deleteCheckSeconds: [1, 1, 2, 4],
} as const;

/** Step Functions ends an Express execution at 5 minutes (`States.Timeout`). */
export const EXPRESS_LIMIT_SECONDS = 300;

/**
 * What a fast lane's worst case may take: four fifths of Express's limit, the rest a margin for
 * what the estimate leaves out (a cold start, a Proxmox answer slower than its allowance).
 */
export const FAST_LANE_BUDGET_SECONDS = 240;

/** What the worst case allows each Lambda call of a fast lane (a connector call, a record). */
const FAST_LANE_CALL_SECONDS = 0.5;

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/**
 * One guest's worst case on a fast lane, in seconds: its snapshot looked at to the last look,
 * then {@link MAX_DELETIONS_PER_GUEST_IN_RUN} deletions each looked at to its last, every wait
 * and every call (create, each look, record; per deletion: delete, each look, record).
 */
function worstFastGuestSeconds(looks: typeof FAST_LANE_LOOKS): number {
  const snapshot = looks.firstCheckSeconds + sum(looks.checkSeconds);
  const snapshotCalls = 1 + (1 + looks.checkSeconds.length) + 1;
  const deletion = looks.firstDeleteCheckSeconds + sum(looks.deleteCheckSeconds);
  const deletionCalls = 1 + (1 + looks.deleteCheckSeconds.length) + 1;
  return (
    snapshot +
    MAX_DELETIONS_PER_GUEST_IN_RUN * deletion +
    (snapshotCalls + MAX_DELETIONS_PER_GUEST_IN_RUN * deletionCalls) * FAST_LANE_CALL_SECONDS
  );
}

/**
 * The fast lane's bounds: its looks, and how long after its execution started it may still start
 * a guest (`startWithinSeconds`; its first call, `FastLoadLane`, sets the time from the
 * execution's start): a guest started by then ends, at its worst case,
 * within {@link FAST_LANE_BUDGET_SECONDS}, so a fast lane ends by itself well before Express ends
 * it (a lane Express ends is redone by the Standard lane: its work is not lost, but its time and
 * cost are). A guest not started by then is handed to the Standard lane, as a locked one is. The
 * lane's length is bounded by time, then, not by how many guests it holds: most snapshots end at
 * the first look, and a lane of a dozen guests takes seconds.
 */
export const FAST_LANE_LIMITS = {
  ...FAST_LANE_LOOKS,
  startWithinSeconds:
    FAST_LANE_BUDGET_SECONDS - FAST_LANE_CALL_SECONDS - worstFastGuestSeconds(FAST_LANE_LOOKS),
} as const;

/**
 * A fast lane's worst case, in seconds, from its execution's start: a guest started at the last
 * moment {@link FAST_LANE_LIMITS} allows, and that guest's worst case (with one more call's
 * allowance of margin).
 */
export function worstFastLaneSeconds(): number {
  return (
    FAST_LANE_CALL_SECONDS + FAST_LANE_LIMITS.startWithinSeconds + worstFastGuestSeconds(FAST_LANE_LOOKS)
  );
}

/**
 * The most fast lanes a run lays out before its lanes take more guests than whole rounds of their
 * node's slots: each lane costs the run's own (Standard) execution a Map iteration and its child
 * start (about a dozen history events, twice that when it hands guests back), so 800 lanes stay
 * within the run's history budget. A run with more guests (10,000 on one node) gets lanes up to
 * the Standard lane's length.
 */
export const MAX_FAST_LANES_PER_RUN = 800;

/**
 * Whether a policy's guests start on the fast lane: snapshots without hooks. Backups (vzdump
 * runs minutes to hours) and hooks (a guest-agent command is looked at for minutes) stay on the
 * Standard lane, and so does an agent's cluster, whose agent reports a task's end by callback.
 */
export function takesFastLane(policy: { kind?: PolicyKind; hooks?: PolicyHooks }): boolean {
  return (policy.kind ?? 'snapshot') === 'snapshot' && !policyHasHooks(policy.hooks);
}

/**
 * Guests per stored lane in a run of `targets` guests. A Standard lane's by history. A fast lane's
 * length is bounded by time ({@link FAST_LANE_LIMITS}), so it takes as many guests as a Standard
 * lane could finish if Express ended it ({@link LANE_CHUNK}), in whole rounds of its node's slots
 * (a last round with a slot left idle would hold up the node's next lane), unless the run would
 * then lay out more than {@link MAX_FAST_LANES_PER_RUN} lanes.
 */
export function runLaneChunk(
  policy: Pick<PolicySpec, 'kind' | 'concurrency' | 'hooks'>,
  targets = 0,
): number {
  if (!takesFastLane(policy)) return laneChunkFor(policy);
  const slots = perNodeLimit(policy);
  const wholeRounds = slots >= LANE_CHUNK ? LANE_CHUNK : LANE_CHUNK - (LANE_CHUNK % slots);
  const historyFit = Math.ceil(targets / MAX_FAST_LANES_PER_RUN);
  return Math.min(LANE_CHUNK, Math.max(wholeRounds, historyFit));
}

/** Who acts when the service itself runs a policy. */
export const systemContext = (tenantId: string, runId: string) => ({
  principal: { tenantId, subject: 'system:policy-run', role: 'admin' as const },
  requestId: runId,
});
