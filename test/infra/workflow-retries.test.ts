import { describe, expect, it } from 'vitest';
import { synthesizePolicyRunDefinitions } from '#shared/local/workflows/synthesized-definition.ts';

type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  JitterStrategy?: string;
};
type State = {
  Type: string;
  Resource?: string;
  Retry?: Retrier[];
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Next?: string;
  End?: boolean;
  ItemProcessor?: Definition;
};
type Definition = { StartAt: string; States: Record<string, State> };

const workflows = synthesizePolicyRunDefinitions();
const parent = workflows.definitions[workflows.policyRunArn] as unknown as Definition;
const lane = workflows.definitions[workflows.laneArn] as unknown as Definition;
const all = Object.values(workflows.definitions) as unknown as Definition[];

const tasks = (definition: Definition): Array<[string, State]> =>
  Object.entries(definition.States).flatMap(
    ([name, state]): Array<[string, State]> =>
      state.Type === 'Task' ? [[name, state]] : state.ItemProcessor ? tasks(state.ItemProcessor) : [],
  );
const lambdaTasks = all.flatMap(tasks).filter(([, state]) => state.Resource?.includes('lambda:invoke'));
const retrierFor = (state: State | undefined, error: string) =>
  state?.Retry?.find((retry) => retry.ErrorEquals.includes(error));

describe('the workflows\u2019 retriers', () => {
  it('retry every Lambda task on the Lambda service\u2019s throttling and transient errors, with backoff and jitter', () => {
    expect(lambdaTasks.length).toBeGreaterThan(15);
    for (const [name, state] of lambdaTasks) {
      for (const error of [
        'Lambda.TooManyRequestsException',
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
      ]) {
        const retry = retrierFor(state, error);
        expect({ name, error, retried: retry !== undefined }).toEqual({ name, error, retried: true });
        expect({ name, backoff: retry?.BackoffRate, jitter: retry?.JitterStrategy }).toEqual({
          name,
          backoff: 2,
          jitter: 'FULL',
        });
        expect(retry?.MaxAttempts, name).toBeGreaterThanOrEqual(6);
      }
      // The service errors come before any catch-all retrier, which must be the last one.
      expect(state.Retry?.[0]?.ErrorEquals, name).toContain('Lambda.TooManyRequestsException');
    }
  });

  it('starts a lane again when Step Functions refuses the start (too many executions, throttling)', () => {
    const runLane = tasks(parent).find(([name]) => name === 'RunLane')?.[1];
    expect(runLane?.Resource).toMatch(/startExecution\.sync/);
    for (const error of [
      'StepFunctions.ExecutionLimitExceeded',
      'StepFunctions.ThrottlingException',
      'StepFunctions.SfnException',
    ]) {
      const retry = retrierFor(runLane, error);
      expect({ error, jitter: retry?.JitterStrategy }).toEqual({ error, jitter: 'FULL' });
      expect(retry?.MaxAttempts).toBeGreaterThanOrEqual(5);
    }
    // Only a refused start is retried: a lane that ran and failed is not run twice.
    expect(runLane?.Retry?.flatMap((retry) => retry.ErrorEquals)).not.toContain('States.ALL');
  });

  it('never lets one guest\u2019s error fail the lane: every state of a guest\u2019s iteration that can fail is caught', () => {
    const snapshotGuests = lane.States.SnapshotGuests;
    const iteration = snapshotGuests?.ItemProcessor as Definition;
    const canFail = Object.entries(iteration.States).filter(([, state]) =>
      ['Task', 'Map'].includes(state.Type),
    );
    expect(canFail.map(([name]) => name)).toEqual(
      expect.arrayContaining(['RecordSucceeded', 'RecordAlreadyTaken', 'RecordFailed', 'CreateSnapshot']),
    );
    for (const [name, state] of canFail) {
      const catchAll = state.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      expect({ name, caught: catchAll !== undefined }).toEqual({ name, caught: true });
    }
  });

  it('ends a guest whose result could not be written without failing its iteration, leaving it to FinishRun', () => {
    const iteration = lane.States.SnapshotGuests?.ItemProcessor as Definition;
    for (const name of ['RecordSucceeded', 'RecordAlreadyTaken', 'RecordFailed']) {
      const target = iteration.States[name]?.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'))?.Next;
      expect({ name, target }).toEqual({ name, target: 'ResultNotRecorded' });
    }
    // On to the post hook (if the policy has hooks) and retention, which find no deletions.
    expect(iteration.States.ResultNotRecorded).toMatchObject({ Type: 'Pass', Next: 'PostHook?' });
  });
});
