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
 * last (create, first look, count, decide, wait), then a snapshot task whose agent could not
 * follow it, polled for as long as a task may run and recorded, then each retention deletion with its lock retries and polls.
 */
export function worstGuestHistory(limits: GuestPathLimits): number {
  const iteration = EVENTS.iteration + EVENTS.flow; // the iteration and `PruneOnly?`
  // An agent's follow that failed adds its task to an attempt (its `FollowedByAgent?` takes the
  // place of `WaitForTaskStart`).
  const lockedAttempt = EVENTS.task + EVENTS.flow + EVENTS.task + EVENTS.task + EVENTS.flow * 4;
  const look = EVENTS.task + EVENTS.flow; // CheckTask and `TaskFinished?`
  const snapshot =
    EVENTS.task +
    EVENTS.flow + // `FollowedByAgent?`
    EVENTS.task + // an agent's follow that failed, before the polls take over
    EVENTS.flow +
    look +
    polls(limits.maxTaskSeconds, limits.firstCheckSeconds, limits.checkSeconds) * (EVENTS.flow + look) +
    EVENTS.task + // the record step
    EVENTS.flow; // `AnythingToPrune?`
  const deletion =
    EVENTS.iteration +
    EVENTS.flow + // `Archive?`: each deletion is routed to a snapshot's or an archive's states
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

/**
 * One step of the backup poll schedule: `seconds` between looks, for `looks` looks; the last
 * step has no count and holds for as long as the task runs.
 */
interface BackupPollStep {
  readonly seconds: number;
  readonly looks?: number;
}

/**
 * The bounds of a guest's path through a backup lane. vzdump runs minutes to hours, so its looks
 * back off: the first after `firstCheckSeconds`, then the steps of `pollSteps`, each wait a
 * bounded share of the time the task has run so far (a task is seen stopped soon after it ended,
 * whatever its length), up to the last step's wait; a guest's history is then bounded by the
 * longest backup expected, not by a poll every few seconds for hours.
 */
export interface BackupPathLimits {
  readonly firstCheckSeconds: number;
  readonly pollSteps: readonly BackupPollStep[];
  readonly lockAttempts: number;
  /** Retention deletions of archives per guest in a run. */
  readonly deletions: number;
  readonly firstDeleteCheckSeconds: number;
  readonly deleteCheckSeconds: number;
  /** The longest vzdump of one guest the budget allows for. */
  readonly maxBackupSeconds: number;
  /** The longest deletion of an archive (`imgdel`) the budget allows for. */
  readonly maxArchiveDeleteSeconds: number;
}

/** The seconds (since the vzdump started) of every look at it, until one at or after `taskSeconds`. */
export function backupLookTimes(limits: BackupPathLimits, taskSeconds: number): number[] {
  const times = [limits.firstCheckSeconds];
  const steps = limits.pollSteps.flatMap((step) =>
    step.looks === undefined ? [] : Array.from({ length: step.looks }, () => step.seconds),
  );
  const last = limits.pollSteps.at(-1)?.seconds ?? limits.firstCheckSeconds;
  for (let look = 0; (times.at(-1) ?? 0) < taskSeconds; look++) {
    times.push((times.at(-1) ?? 0) + (steps[look] ?? last));
  }
  return times;
}

/**
 * Looks at a backup task after the first until it has run `taskSeconds`, and how many of them
 * still counted a step of the schedule (each of those passes a counting state; the last step's
 * looks do not).
 */
export function backupPolls(limits: BackupPathLimits, taskSeconds: number = limits.maxBackupSeconds) {
  const polls = backupLookTimes(limits, taskSeconds).length - 1;
  const counted = limits.pollSteps.reduce((sum, step) => sum + (step.looks ?? 0), 0);
  return { polls, growing: Math.min(polls, counted) };
}

/**
 * The most history events one guest adds to a backup lane: its iteration, every lock attempt but
 * the last (target, polls reset, vzdump, a failed follow by the agent, first look, count, decide,
 * wait), then a vzdump the agent could not follow, looked at with back-off for as long as a backup may run and recorded, then each archive deletion
 * (`Archive?`, the call, its task polled) and its record.
 */
export function worstBackupGuestHistory(limits: BackupPathLimits): number {
  const iteration = EVENTS.iteration + EVENTS.flow; // the iteration and `PruneOnly?`
  const start = EVENTS.flow * 2 + EVENTS.task; // `BackupTarget`, `StartBackupPolls`, `StartBackup`
  const look = EVENTS.task + EVENTS.flow; // `CheckBackup` and `BackupFinished?`
  const follow = EVENTS.flow + EVENTS.task; // `BackupFollowedByAgent?` and a follow that failed
  const lockedAttempt = start + follow + EVENTS.flow + look + EVENTS.flow * 3;
  const looks = backupPolls(limits);
  const backup =
    start +
    follow +
    EVENTS.flow + // `WaitForBackupStart`
    look +
    looks.polls * (EVENTS.flow + look) +
    looks.growing * EVENTS.flow + // `CountBackupLook…` while the schedule still steps
    EVENTS.task + // the record step
    EVENTS.flow; // `AnythingToPrune?`
  const deletion =
    EVENTS.iteration +
    EVENTS.flow + // `Archive?`
    EVENTS.task +
    EVENTS.flow + // `ArchiveDeleteTask?`
    (1 + polls(limits.maxArchiveDeleteSeconds, limits.firstDeleteCheckSeconds, limits.deleteCheckSeconds)) *
      (EVENTS.flow + EVENTS.task + EVENTS.flow) +
    EVENTS.task;
  return (
    iteration + (limits.lockAttempts - 1) * lockedAttempt + backup + EVENTS.map + limits.deletions * deletion
  );
}

/** Seconds between the lane's looks at a running guest-agent hook (`WaitForPreHook`, `WaitForPostHook`). */
export const HOOK_CHECK_SECONDS = 2;

/**
 * An HTTPS hook answered 202: the task that waits for the callback (its events and the token's
 * `TaskSubmitted`), then, when it timed out, the look at the record and its decision. The same
 * however long the receiver works.
 */
const AWAITED_CALLBACK = EVENTS.task + 1 + EVENTS.task + EVENTS.flow;

/**
 * The most history events one hook phase adds to a guest: the choice that routes to it, the
 * hook's start and decision, then either a look every {@link HOOK_CHECK_SECONDS} (wait, check,
 * decide) for as long as its timeout allows (a guest-agent command) or the wait for a callback
 * (an HTTPS receiver that answered 202), and the passes that carry a warning. Nothing without a hook.
 */
export function worstHookHistory(timeoutSeconds: number): number {
  if (timeoutSeconds <= 0) return 0;
  const looks = Math.ceil(timeoutSeconds / HOOK_CHECK_SECONDS);
  return (
    EVENTS.flow +
    EVENTS.task +
    EVENTS.flow +
    Math.max(looks * (EVENTS.flow + EVENTS.task + EVENTS.flow), AWAITED_CALLBACK) +
    3 * EVENTS.flow
  );
}

/** What a lane adds besides its guests: the execution, `LoadLane` and the guests' Map. */
export const LANE_OVERHEAD = EVENTS.execution + EVENTS.task + EVENTS.map;

/** The most guests a lane may take so that its worst case stays within the budget. */
export function laneSizeFor(perGuest: number, budget: number = HISTORY_BUDGET): number {
  return Math.max(1, Math.floor((budget - LANE_OVERHEAD) / perGuest));
}
