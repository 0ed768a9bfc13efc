import type { Count, WorkflowCounts } from './cost-model.ts';

interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly ItemProcessor?: Definition;
}
interface Definition {
  readonly States: Record<string, State>;
}

/**
 * The states a guest, a poll, a deletion, a run and a lane pass through, by name, as the
 * definitions CDK synthesizes call them: each state entered is one transition.
 */
const PATHS = {
  guest: {
    lane: [
      'PruneOnly?',
      'CreateSnapshot',
      'WaitForTaskStart',
      'CheckTask',
      'TaskFinished?',
      'RecordSucceeded',
      'AnythingToPrune?',
      'NothingToPrune',
    ],
  },
  poll: { lane: ['WaitForTask', 'CheckTask', 'TaskFinished?'] },
  deletion: {
    lane: [
      'PruneSnapshots',
      'DeleteSnapshot',
      'WaitForDeleteStart',
      'CheckDelete',
      'DeleteFinished?',
      'RecordPruned',
    ],
    instead: ['NothingToPrune'],
  },
  run: { parent: ['ClaimRun', 'Claimed?', 'ResolveTargets', 'SnapshotLanes', 'FinishRun', 'ReconcileRun'] },
  lane: { parent: ['RunChunks', 'RunLane'], lane: ['LoadLane', 'SnapshotGuests'] },
} as const;

/** The same parts on the fast path: the parent's Standard iteration per fast lane, the rest Express. */
const FAST_PATHS = {
  lane: { parent: ['RunChunks', 'FastLane?', 'RunFastLane', 'HandedBack?', 'FastLaneDone'] },
  guest: {
    fast: [
      'FastCreateSnapshot',
      'FastWaitForTaskStart',
      'FastCheckTask',
      'FastTaskFinished?',
      'FastRecordSucceeded',
      'FastAnythingToPrune?',
      'FastNothingToPrune',
    ],
  },
  poll: {
    fast: ['FastCountLook', 'FastLookedEnough?', 'FastWaitForTask', 'FastCheckTask', 'FastTaskFinished?'],
  },
  deletion: {
    fast: [
      'FastPruneSnapshots',
      'FastDeleteSnapshot',
      'FastWaitForDeleteStart',
      'FastCheckDelete',
      'FastDeleteFinished?',
      'FastRecordPruned',
    ],
    instead: ['FastNothingToPrune'],
  },
} as const;

function statesOf(definition: Definition): Map<string, State> {
  const all = new Map<string, State>();
  for (const [name, state] of Object.entries(definition.States)) {
    all.set(name, state);
    if (state.ItemProcessor) for (const [inner, s] of statesOf(state.ItemProcessor)) all.set(inner, s);
  }
  return all;
}

function count(states: Map<string, State>, names: readonly string[], sign = 1): Count {
  let transitions = 0;
  let invocations = 0;
  for (const name of names) {
    const state = states.get(name);
    if (!state) {
      throw new Error(
        `the workflow has no state ${name} any more: update the paths in infra/cost/workflow-counts.ts`,
      );
    }
    transitions += sign;
    if (state.Resource?.includes('lambda:invoke')) invocations += sign;
  }
  return { transitions, invocations };
}

const sum = (...counts: Count[]): Count => ({
  transitions: counts.reduce((total, c) => total + c.transitions, 0),
  invocations: counts.reduce((total, c) => total + c.invocations, 0),
});

/**
 * Transitions and invocations per part of a run, counted on the synthesized policy-run and lane
 * definitions, and on the fast lane's when given.
 */
export function countWorkflow(
  parentDefinition: unknown,
  laneDefinition: unknown,
  fastLaneDefinition?: unknown,
): WorkflowCounts {
  const parent = statesOf(parentDefinition as Definition);
  const lane = statesOf(laneDefinition as Definition);
  const fast = fastLaneDefinition ? statesOf(fastLaneDefinition as Definition) : undefined;
  return {
    ...(fast
      ? {
          fast: {
            lane: count(parent, FAST_PATHS.lane.parent),
            guest: count(fast, FAST_PATHS.guest.fast),
            poll: count(fast, FAST_PATHS.poll.fast),
            deletion: sum(
              count(fast, FAST_PATHS.deletion.fast),
              count(fast, FAST_PATHS.deletion.instead, -1),
            ),
          },
        }
      : {}),
    guest: count(lane, PATHS.guest.lane),
    poll: count(lane, PATHS.poll.lane),
    deletion: sum(count(lane, PATHS.deletion.lane), count(lane, PATHS.deletion.instead, -1)),
    run: count(parent, PATHS.run.parent),
    lane: sum(count(parent, PATHS.lane.parent), count(lane, PATHS.lane.lane)),
  };
}
