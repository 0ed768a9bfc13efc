import { describe, expect, it } from 'vitest';
import { synthesizePolicyRunDefinitions } from '#shared/local/workflows/synthesized-definition.ts';
import {
  EXPRESS_LIMIT_SECONDS,
  FAST_LANE_BUDGET_SECONDS,
  FAST_LANE_LIMITS,
  LANE_CHUNK,
  MAX_FAST_LANES_PER_RUN,
  runLaneChunk,
  worstFastLaneSeconds,
} from '#shared/services/policy-run/work-item.ts';

type State = {
  Type: string;
  Seconds?: number;
  SecondsPath?: string;
  TimeoutSeconds?: number;
  MaxConcurrency?: number;
  MaxConcurrencyPath?: string;
  Parameters?: Record<string, unknown>;
  Choices?: Array<{ Variable?: string; NumericGreaterThan?: number; Next?: string }>;
  Next?: string;
  ItemProcessor?: { States: Record<string, State> };
};

const workflows = synthesizePolicyRunDefinitions();
const statesOf = (states: Record<string, State>): Record<string, State> =>
  Object.fromEntries(
    Object.entries(states).flatMap(
      ([name, state]): Array<[string, State]> => [
        [name, state],
        ...Object.entries(state.ItemProcessor ? statesOf(state.ItemProcessor.States) : {}),
      ],
    ),
  );
const fast = statesOf(
  (workflows.definitions[workflows.fastLaneArn] as { States: Record<string, State> }).States,
);
const parent = statesOf(
  (workflows.definitions[workflows.policyRunArn] as { States: Record<string, State> }).States,
);

/**
 * A look schedule as the definition has it: the first Wait's seconds, the waits `CountLook`
 * picks by look (`States.ArrayGetItem(States.Array(w1, ..., wn, 0), $.polls.n)`, the trailing 0
 * never waited: past the last look the Choice hands the guest on), and how many looks the Choice
 * allows before it does.
 */
function schedule(prefix: string, firstWait: string) {
  const picked = String(fast[`${prefix}CountLook`]?.Parameters?.['seconds.$']);
  const listed = /^States\.ArrayGetItem\(States\.Array\(([^)]*)\), \$\.polls\.n\)$/.exec(picked)?.[1];
  const waits = (listed ?? '').split(',').map((value) => Number(value.trim()));
  const enough = fast[`${prefix}LookedEnough?`]?.Choices?.find((choice) => choice.Variable === '$.polls.n');
  return {
    first: fast[firstWait]?.Seconds,
    waits: waits.slice(0, -1),
    trailing: waits.at(-1),
    looksBeforeHandingOn: enough?.NumericGreaterThan,
    waitReadsThePick: fast[`${prefix}WaitForTask`]?.SecondsPath,
  };
}

describe('the fast lane\u2019s limits (FAST_LANE_LIMITS) and its synthesized definition', () => {
  it('are the same look schedules: the snapshot\u2019s and each deletion\u2019s', () => {
    expect(schedule('Fast', 'FastWaitForTaskStart')).toEqual({
      first: FAST_LANE_LIMITS.firstCheckSeconds,
      waits: FAST_LANE_LIMITS.checkSeconds,
      trailing: 0,
      looksBeforeHandingOn: FAST_LANE_LIMITS.checkSeconds.length,
      waitReadsThePick: '$.polls.seconds',
    });
    expect(schedule('FastDelete', 'FastWaitForDeleteStart')).toEqual({
      first: FAST_LANE_LIMITS.firstDeleteCheckSeconds,
      waits: FAST_LANE_LIMITS.deleteCheckSeconds,
      trailing: 0,
      looksBeforeHandingOn: FAST_LANE_LIMITS.deleteCheckSeconds.length,
      waitReadsThePick: '$.polls.seconds',
    });
  });

  it('run a node\u2019s slots as the sizing assumes: the lane\u2019s per-node cap at once, deletions one after another', () => {
    expect(fast.FastGuests?.MaxConcurrencyPath).toBe('$.lane.perNode');
    expect(fast.FastPruneSnapshots?.MaxConcurrency).toBe(1);
    // The run gives up on a lane only after Express would have ended it.
    expect(parent.RunFastLane?.TimeoutSeconds).toBeGreaterThan(EXPRESS_LIMIT_SECONDS);
  });

  it('fit a lane\u2019s worst case (every look, every deletion, every call) in four fifths of Express\u2019s 5 minutes, at every per-node cap', () => {
    expect(FAST_LANE_BUDGET_SECONDS).toBeLessThanOrEqual(EXPRESS_LIMIT_SECONDS * 0.8);
    expect(FAST_LANE_LIMITS.guestsPerSlot).toBeGreaterThanOrEqual(1);
    expect(worstFastLaneSeconds(FAST_LANE_LIMITS.guestsPerSlot)).toBeLessThanOrEqual(
      FAST_LANE_BUDGET_SECONDS,
    );
    // One more guest per slot would not fit: the lanes are as long as the budget allows.
    expect(worstFastLaneSeconds(FAST_LANE_LIMITS.guestsPerSlot + 1)).toBeGreaterThan(
      FAST_LANE_BUDGET_SECONDS,
    );
    for (let perNode = 1; perNode <= 10; perNode++) {
      const chunk = runLaneChunk({ kind: 'snapshot', concurrency: { perNode } }, 1_000);
      const perSlot = Math.ceil(chunk / perNode);
      expect(worstFastLaneSeconds(perSlot), `perNode ${perNode}: ${chunk} guests`).toBeLessThanOrEqual(
        FAST_LANE_BUDGET_SECONDS,
      );
    }
  });

  it('grow past the time fit only for a run that would otherwise lay out more than MAX_FAST_LANES_PER_RUN lanes', () => {
    const onePerNode = { kind: 'snapshot' as const, concurrency: { perNode: 1 } };
    const small = runLaneChunk(onePerNode, 100);
    expect(small).toBe(FAST_LANE_LIMITS.guestsPerSlot);
    const huge = 10_000;
    const chunk = runLaneChunk(onePerNode, huge);
    expect(chunk).toBeGreaterThan(small);
    expect(Math.ceil(huge / chunk)).toBeLessThanOrEqual(
      Math.max(MAX_FAST_LANES_PER_RUN, Math.ceil(huge / LANE_CHUNK)),
    );
  });
});
