/**
 * How many guests one lane execution may take so that its Step Functions history stays under a
 * budget in the worst case. AWS fails an execution at 25,000 history events; a lane's history
 * grows with every state its guests pass, and most with the loops: lock waits, task polls and
 * retention deletions. The lane size is derived from the worst case, never from a guest count.
 */

/** Step Functions' quota of history events per execution. */
export const HISTORY_QUOTA = 25_000;
/** What a lane may use of it in the worst case (headroom for retries of transient errors). */
export const HISTORY_BUDGET = 20_000;

/** History events per visit of a state, as Step Functions writes them. */
const EVENTS = {
  /** TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded (or Failed), TaskStateExited. */
  task: 5,
  /** A Retry attempt of a task: TaskScheduled, TaskStarted, TaskFailed. */
  retry: 3,
  /** Entered and exited: Wait, Choice, Pass, Succeed. */
  flow: 2,
  /** MapStateEntered, MapStateStarted, MapStateSucceeded, MapStateExited. */
  map: 4,
  /** MapIterationStarted, MapIterationSucceeded. */
  iteration: 2,
  /** ExecutionStarted, ExecutionSucceeded. */
  execution: 2,
} as const;

/** The bounds of a guest's path through the lane, read from the lane's definition (a test keeps them equal). */
export interface GuestPathLimits {
  /** Seconds before the first look at a snapshot task, and between looks. */
  readonly firstCheckSeconds: number;
  readonly checkSeconds: number;
  /** Attempts at a locked guest before it is recorded as failed. */
  readonly lockAttempts: number;
  /** Retention deletions per guest in a run. */
  readonly deletions: number;
  /** Attempts at a deletion that meets a lock. */
  readonly deleteLockAttempts: number;
  readonly firstDeleteCheckSeconds: number;
  readonly deleteCheckSeconds: number;
  /**
   * The longest a snapshot or deletion task is expected to run (the polls are bounded only by the
   * task itself): a longer one makes more polls than the budget allows for.
   */
  readonly maxTaskSeconds: number;
}

const polls = (taskSeconds: number, first: number, every: number) =>
  Math.max(0, Math.ceil((taskSeconds - first) / every));

/**
 * The most history events one guest adds to its lane: its iteration, every lock attempt but the
 * last (create, first look, count, decide, wait), then a snapshot task polled for as long as a
 * task may run and recorded, then each retention deletion with its lock retries and polls.
 */
export function worstGuestHistory(limits: GuestPathLimits): number {
  const iteration = EVENTS.iteration + EVENTS.flow; // the iteration and `PruneOnly?`
  const lockedAttempt = EVENTS.task + EVENTS.flow + EVENTS.task + EVENTS.flow * 4;
  const look = EVENTS.task + EVENTS.flow; // CheckTask and `TaskFinished?`
  const snapshot =
    EVENTS.task +
    EVENTS.flow +
    look +
    polls(limits.maxTaskSeconds, limits.firstCheckSeconds, limits.checkSeconds) * (EVENTS.flow + look) +
    EVENTS.task + // the record step
    EVENTS.flow; // `AnythingToPrune?`
  const deletion =
    EVENTS.iteration +
    EVENTS.task +
    (limits.deleteLockAttempts - 1) * EVENTS.retry +
    EVENTS.flow +
    look +
    polls(limits.maxTaskSeconds, limits.firstDeleteCheckSeconds, limits.deleteCheckSeconds) *
      (EVENTS.flow + look) +
    EVENTS.task;
  return (
    iteration +
    (limits.lockAttempts - 1) * lockedAttempt +
    snapshot +
    EVENTS.map +
    limits.deletions * deletion
  );
}

/** What a lane adds besides its guests: the execution, `LoadLane` and the guests' Map. */
export const LANE_OVERHEAD = EVENTS.execution + EVENTS.task + EVENTS.map;

/** The most guests a lane may take so that its worst case stays within the budget. */
export function laneSizeFor(perGuest: number, budget: number = HISTORY_BUDGET): number {
  return Math.max(1, Math.floor((budget - LANE_OVERHEAD) / perGuest));
}
