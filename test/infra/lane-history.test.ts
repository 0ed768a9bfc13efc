import { describe, expect, it } from 'vitest';
import {
  HISTORY_BUDGET,
  HISTORY_QUOTA,
  LANE_OVERHEAD,
  worstGuestHistory,
} from '#shared/domain/history-budget.ts';
import { synthesizePolicyRunDefinitions } from '#shared/local/workflows/synthesized-definition.ts';
import { LANE_CHUNK, LANE_PATH_LIMITS } from '#shared/services/policy-run/work-item.ts';

type State = {
  Type: string;
  Seconds?: number;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  Choices?: Array<{ Variable?: string; NumericGreaterThanEquals?: number }>;
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
    expect(worstGuestHistory({ ...LANE_PATH_LIMITS, lockAttempts: LANE_PATH_LIMITS.lockAttempts + 1 })).toBe(
      base + 20,
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
