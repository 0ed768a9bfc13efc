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
  Parameters?: Record<string, unknown> & { Payload?: Record<string, unknown> };
  ResultSelector?: Record<string, unknown>;
  ItemSelector?: Record<string, unknown>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
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

  it('fit a lane\u2019s worst case (a guest started at the last moment, with every look, every deletion, every call) in four fifths of Express\u2019s 5 minutes', () => {
    expect(FAST_LANE_BUDGET_SECONDS).toBeLessThanOrEqual(EXPRESS_LIMIT_SECONDS * 0.8);
    expect(FAST_LANE_LIMITS.startWithinSeconds).toBeGreaterThan(60);
    expect(worstFastLaneSeconds()).toBeLessThanOrEqual(FAST_LANE_BUDGET_SECONDS);
  });

  it('start no guest past the lane\u2019s startBy: the load sets it, each guest\u2019s create carries it, and one too late is handed back unstarted', () => {
    expect(fast.FastLoadLane?.ResultSelector?.['startBy.$']).toBe('$.Payload.startBy');
    // Counted from the execution's start, as Express's limit is.
    expect(fast.FastLoadLane?.Parameters?.Payload?.['startedAt.$']).toBe('$$.Execution.StartTime');
    expect(fast.FastGuests?.ItemSelector?.['startBy.$']).toBe('$.lane.startBy');
    expect(fast.FastCreateSnapshot?.Parameters?.Payload?.['startBy.$']).toBe('$.startBy');
    const timeUp = fast.FastCreateSnapshot?.Catch?.find((c) => c.ErrorEquals.includes('LaneTimeUpError'));
    expect(timeUp?.Next).toBe('FastHandBackUnstarted');
    // No task to hand on (the synthesized Pass drops the null `upid`; the Standard lane reads none as null).
    expect(fast.FastHandBackUnstarted?.Parameters).toEqual({ 'guestId.$': '$.item.guestId' });
  });

  it('take whole rounds of the node\u2019s slots, at most as many guests as a Standard lane finishes', () => {
    for (let perNode = 1; perNode <= 20; perNode++) {
      const chunk = runLaneChunk({ kind: 'snapshot', concurrency: { perNode } }, 1_000);
      expect(chunk, `perNode ${perNode}`).toBeLessThanOrEqual(LANE_CHUNK);
      if (perNode < LANE_CHUNK) {
        expect(chunk % perNode, `perNode ${perNode}: ${chunk} guests`).toBe(0);
        expect(chunk + perNode, `perNode ${perNode}: one more round`).toBeGreaterThan(LANE_CHUNK);
      } else expect(chunk).toBe(LANE_CHUNK);
    }
  });

  it('grow past whole rounds only for a run that would otherwise lay out more than MAX_FAST_LANES_PER_RUN lanes', () => {
    const twoPerNode = { kind: 'snapshot' as const, concurrency: { perNode: 2 } };
    const small = runLaneChunk(twoPerNode, 100);
    expect(small).toBe(LANE_CHUNK - (LANE_CHUNK % 2));
    const huge = 10_000;
    const chunk = runLaneChunk(twoPerNode, huge);
    expect(chunk).toBeGreaterThan(small);
    expect(Math.ceil(huge / chunk)).toBeLessThanOrEqual(
      Math.max(MAX_FAST_LANES_PER_RUN, Math.ceil(huge / LANE_CHUNK)),
    );
  });
});
