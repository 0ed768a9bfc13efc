import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backupLookTimes,
  backupPolls,
  HISTORY_BUDGET,
  HISTORY_QUOTA,
  HOOK_CHECK_SECONDS,
  LANE_OVERHEAD,
  worstBackupGuestHistory,
  worstGuestHistory,
  worstHookHistory,
} from '#shared/domain/history-budget.ts';
import { synthesizePolicyRunDefinitions } from '#shared/local/workflows/synthesized-definition.ts';
import {
  BACKUP_LANE_CHUNK,
  BACKUP_PATH_LIMITS,
  LANE_CHUNK,
  LANE_PATH_LIMITS,
  laneChunkFor,
} from '#shared/services/policy-run/work-item.ts';

type ChoiceRule = {
  Variable?: string;
  NumericGreaterThanEquals?: number;
  NumericLessThan?: number;
  StringEquals?: string;
  And?: ChoiceRule[];
  Next?: string;
};
type State = {
  Type: string;
  Seconds?: number;
  SecondsPath?: string;
  Resource?: string;
  TimeoutSecondsPath?: string;
  Parameters?: Record<string, unknown>;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  Choices?: ChoiceRule[];
  Next?: string;
  ItemProcessor?: { States: Record<string, State> };
};

const workflows = synthesizePolicyRunDefinitions();
const lane = workflows.definitions[workflows.laneArn] as unknown as { States: Record<string, State> };

/** Every state of the lane, nested Maps included, by name. */
function statesOf(states: Record<string, State>): Record<string, State> {
  const entries = (within: Record<string, State>): Array<[string, State]> =>
    Object.entries(within).flatMap(
      ([name, state]): Array<[string, State]> => [
        [name, state],
        ...(state.ItemProcessor ? entries(state.ItemProcessor.States) : []),
      ],
    );
  return Object.fromEntries(entries(states));
}

describe('the lane\u2019s history budget', () => {
  const states = statesOf(lane.States);

  it('is computed from the bounds the lane\u2019s definition has', () => {
    const lockChoice = states['LockedTooLong?']?.Choices?.find((c) => c.Variable === '$.attempt');
    const deleteLockRetry = states.DeleteSnapshot?.Retry?.find((r) =>
      r.ErrorEquals.includes('ProxmoxLockedError'),
    );
    expect({
      firstCheckSeconds: states.WaitForTaskStart?.Seconds,
      checkSeconds: states.WaitForTask?.Seconds,
      lockAttempts: lockChoice?.NumericGreaterThanEquals,
      deleteLockAttempts: deleteLockRetry?.MaxAttempts,
      firstDeleteCheckSeconds: states.WaitForDeleteStart?.Seconds,
      deleteCheckSeconds: states.WaitForDelete?.Seconds,
    }).toEqual({
      firstCheckSeconds: LANE_PATH_LIMITS.firstCheckSeconds,
      checkSeconds: LANE_PATH_LIMITS.checkSeconds,
      lockAttempts: LANE_PATH_LIMITS.lockAttempts,
      deleteLockAttempts: LANE_PATH_LIMITS.deleteLockAttempts,
      firstDeleteCheckSeconds: LANE_PATH_LIMITS.firstDeleteCheckSeconds,
      deleteCheckSeconds: LANE_PATH_LIMITS.deleteCheckSeconds,
    });
  });

  it('keeps a full lane\u2019s worst case within the budget, and one more guest would not fit', () => {
    const perGuest = worstGuestHistory(LANE_PATH_LIMITS);
    expect(LANE_OVERHEAD + LANE_CHUNK * perGuest).toBeLessThanOrEqual(HISTORY_BUDGET);
    expect(LANE_OVERHEAD + (LANE_CHUNK + 1) * perGuest).toBeGreaterThan(HISTORY_BUDGET);
    expect(HISTORY_BUDGET).toBeLessThan(HISTORY_QUOTA);
  });

  it('leaves room for the highest per-node cap a policy may set (10), so a lane never limits it', () => {
    expect(LANE_CHUNK).toBeGreaterThanOrEqual(10);
  });

  it('grows with every lock attempt, poll and deletion the definition allows', () => {
    const base = worstGuestHistory(LANE_PATH_LIMITS);
    // A lock attempt: create, `FollowedByAgent?`, a failed follow, a look, decide, count, wait.
    expect(worstGuestHistory({ ...LANE_PATH_LIMITS, lockAttempts: LANE_PATH_LIMITS.lockAttempts + 1 })).toBe(
      base + 25,
    );
    expect(
      worstGuestHistory({ ...LANE_PATH_LIMITS, maxTaskSeconds: LANE_PATH_LIMITS.maxTaskSeconds + 2 }),
      // One more look at the snapshot task and at each deletion's task.
    ).toBe(base + 9 * (1 + LANE_PATH_LIMITS.deletions));
    expect(
      worstGuestHistory({ ...LANE_PATH_LIMITS, deletions: LANE_PATH_LIMITS.deletions + 1 }),
    ).toBeGreaterThan(base + 9 * 29);
  });
});

describe('a backup lane\u2019s history budget', () => {
  const states = statesOf(lane.States);

  it('is computed from the bounds the backup states have: a first look, then the poll schedule step by step', () => {
    const finished = states['BackupFinished?']?.Choices ?? [];
    const lockChoice = states['BackupLockedTooLong?']?.Choices?.find((c) => c.Variable === '$.attempt');
    // Each counted step: looks below its bound go through its counting state to its wait; the
    // last step's wait follows any other running look.
    const running = finished.filter((choice) =>
      (choice.And ?? [choice]).some((rule) => rule.StringEquals === 'running'),
    );
    const steps = running.map((choice) => {
      const bound = choice.And?.find((rule) => rule.Variable === '$.poll.looks')?.NumericLessThan;
      const count = choice.Next ?? '';
      const waitName = bound === undefined ? count : String(states[count]?.Next);
      return { bound, count: bound === undefined ? undefined : count, seconds: states[waitName]?.Seconds };
    });
    let looks = 0;
    const expected = BACKUP_PATH_LIMITS.pollSteps.map((step) => {
      if (step.looks === undefined) return { bound: undefined, count: undefined, seconds: step.seconds };
      looks += step.looks;
      return { bound: looks, count: `CountBackupLook${step.seconds}s`, seconds: step.seconds };
    });
    expect(steps).toEqual(expected);
    for (const step of expected.filter((entry) => entry.count)) {
      expect(states[String(step.count)]?.Parameters?.['looks.$']).toBe('States.MathAdd($.poll.looks, 1)');
    }
    expect(states.StartBackupPolls?.Parameters).toEqual({ looks: 0 });
    expect({
      firstCheckSeconds: states.WaitForBackupStart?.Seconds,
      lockAttempts: lockChoice?.NumericGreaterThanEquals,
      firstDeleteCheckSeconds: states.WaitForArchiveDelete?.Seconds,
      deleteCheckSeconds: states.WaitForArchiveDelete?.Seconds,
    }).toEqual({
      firstCheckSeconds: BACKUP_PATH_LIMITS.firstCheckSeconds,
      lockAttempts: BACKUP_PATH_LIMITS.lockAttempts,
      firstDeleteCheckSeconds: BACKUP_PATH_LIMITS.firstDeleteCheckSeconds,
      deleteCheckSeconds: BACKUP_PATH_LIMITS.deleteCheckSeconds,
    });
  });

  it('keeps a full lane of 8-hour vzdumps within the budget, with room for the highest per-node cap', () => {
    expect(BACKUP_PATH_LIMITS.maxBackupSeconds).toBeGreaterThanOrEqual(8 * 3600);
    const perGuest = worstBackupGuestHistory(BACKUP_PATH_LIMITS);
    expect(LANE_OVERHEAD + BACKUP_LANE_CHUNK * perGuest).toBeLessThanOrEqual(HISTORY_BUDGET);
    expect(LANE_OVERHEAD + (BACKUP_LANE_CHUNK + 1) * perGuest).toBeGreaterThan(HISTORY_BUDGET);
    expect(BACKUP_LANE_CHUNK).toBeGreaterThanOrEqual(10);
    // Looks 15 s apart for 8 hours would be 1,920 looks: more than a whole lane's budget for 10 guests.
    const flat = backupPolls({ ...BACKUP_PATH_LIMITS, pollSteps: [{ seconds: 15 }] });
    expect(10 * flat.polls * 9).toBeGreaterThan(HISTORY_BUDGET);
    expect(backupPolls(BACKUP_PATH_LIMITS).polls).toBeLessThan(flat.polls / 10);
  });

  it('grows with the longest backup allowed for, by one look per capped wait', () => {
    const base = worstBackupGuestHistory(BACKUP_PATH_LIMITS);
    const longer = { ...BACKUP_PATH_LIMITS, maxBackupSeconds: BACKUP_PATH_LIMITS.maxBackupSeconds + 3600 };
    // An hour more at one look per 5 minutes: 12 looks (wait, check, decide).
    expect(worstBackupGuestHistory(longer)).toBe(base + 12 * 9);
    // Looks at a short task: the first at 5 s, then 10, 15, 20 s, then every 10 s until it ended.
    expect(backupLookTimes(BACKUP_PATH_LIMITS, 60)).toEqual([5, 10, 15, 20, 30, 40, 50, 60]);
    expect(backupPolls(BACKUP_PATH_LIMITS, 60)).toEqual({ polls: 7, growing: 7 });
  });

  it('sees a vzdump stopped within a third of its length after its first minute, within 5 minutes after 16', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: BACKUP_PATH_LIMITS.maxBackupSeconds }), (seconds) => {
        const seen = backupLookTimes(BACKUP_PATH_LIMITS, seconds).at(-1) ?? 0;
        expect(seen).toBeGreaterThanOrEqual(seconds);
        expect(seen - seconds).toBeLessThanOrEqual(seconds < 16 * 60 ? seconds / 3 : 300);
      }),
    );
  });
});

describe('a lane with hooks', () => {
  const states = statesOf(lane.States);
  const agentHook = (timeoutSeconds: number) => ({
    kind: 'agent' as const,
    command: ['sync'],
    timeoutSeconds,
    onFailure: 'abort' as const,
  });
  const hooks = (timeoutSeconds: number) => ({
    pre: agentHook(timeoutSeconds),
    post: agentHook(timeoutSeconds),
    allowedCommands: ['sync'],
    overrides: {},
  });

  it('looks at a running hook as often as the budget assumes', () => {
    expect(states.WaitForPreHook?.Seconds).toBe(HOOK_CHECK_SECONDS);
    expect(states.WaitForPostHook?.Seconds).toBe(HOOK_CHECK_SECONDS);
  });

  it('waits for an HTTPS receiver\u2019s callback on a task token until the hook\u2019s deadline, and budgets that wait', () => {
    for (const phase of ['Pre', 'Post']) {
      expect(states[`Await${phase}HookCallback`]).toMatchObject({
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        TimeoutSecondsPath: '$.hook.value.waitSeconds',
      });
    }
    // Choice, start, decide, then the awaited task (with TaskSubmitted), the look after a timeout
    // and its decision, and the warning's passes: more than one look at an agent command.
    expect(worstHookHistory(1)).toBe(2 + 5 + 2 + (5 + 1 + 5 + 2) + 3 * 2);
    expect(worstHookHistory(600)).toBe(2 + 5 + 2 + 300 * 9 + 3 * 2);
  });

  it('takes fewer guests the longer its hooks may run, so ten-minute hooks on every guest stay within the budget', () => {
    expect(laneChunkFor({ kind: 'snapshot' })).toBe(LANE_CHUNK);
    expect(laneChunkFor({ kind: 'backup' })).toBe(BACKUP_LANE_CHUNK);
    const short = laneChunkFor({ kind: 'snapshot', hooks: hooks(30) });
    const long = laneChunkFor({ kind: 'snapshot', hooks: hooks(600) });
    expect(short).toBeLessThan(LANE_CHUNK);
    expect(long).toBeLessThan(short);
    expect(long).toBeGreaterThanOrEqual(1);
    // Every guest polling both hooks for ten minutes: 300 looks of 9 events each, twice.
    const perGuest = worstGuestHistory(LANE_PATH_LIMITS) + 2 * (300 * 9 + 15);
    expect(LANE_OVERHEAD + long * perGuest).toBeLessThanOrEqual(HISTORY_BUDGET);
    // An override's longer hook counts too.
    const withOverride = { ...hooks(30), overrides: { 'cl_x.101': { pre: agentHook(600) } } };
    expect(laneChunkFor({ kind: 'snapshot', hooks: withOverride })).toBeLessThan(short);
  });
});
