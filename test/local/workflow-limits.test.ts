import { describe, expect, it } from 'vitest';
import { LocalIam } from '#shared/local/iam/local-iam.ts';
import type { LocalGrants } from '#shared/local/iam/template-grants.ts';
import { localFunctionArn, localStateMachineArn } from '#shared/local/local-arns.ts';
import { ThrottleInjector } from '#shared/local/throttling/throttle-injector.ts';
import { HISTORY_EVENT_LIMIT } from '#shared/local/workflows/history-counter.ts';
import { LocalWorkflowRunner } from '#shared/local/workflows/local-workflow-runner.ts';

const arn = localStateMachineArn('Limits');
const invoke = (fn: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: localFunctionArn(fn), 'Payload.$': '$' },
  ResultSelector: { 'value.$': '$.Payload' },
  ...extra,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one execution and returns its output, its error (if it failed) and its history count. */
async function runOnce(
  definition: Record<string, unknown>,
  functions: Record<string, (input: unknown) => Promise<unknown>>,
  options: ConstructorParameters<typeof LocalWorkflowRunner>[3] = {},
  input: unknown = {},
) {
  const errors: Error[] = [];
  const history: number[] = [];
  const runner = new LocalWorkflowRunner({ [arn]: definition }, arn, functions, {
    ...options,
    // The library wraps a failure: its cause is the error Step Functions would record.
    onExecutionError: (_name, error) => errors.push(((error as Error).cause ?? error) as Error),
    onHistory: (_name, events) => history.push(events),
  });
  const output = await runner.start('run', input);
  return { output, error: errors[0], history: history[0] };
}

describe('the limits the local runner enforces as AWS does', () => {
  it('fails a function that runs past its configured timeout as Sandbox.Timedout, for Catch to handle', async () => {
    const definition = {
      StartAt: 'Slow',
      States: {
        Slow: invoke('slow', {
          Catch: [{ ErrorEquals: ['Sandbox.Timedout'], ResultPath: '$.error', Next: 'TimedOut' }],
          End: true,
        }),
        TimedOut: { Type: 'Pass', End: true },
      },
    };
    const { output } = await runOnce(
      definition,
      { slow: () => sleep(1000).then(() => 'late') },
      { functionTimeouts: { slow: 0.05 } },
    );
    const error = (output as { error: { Error: string; Cause: string } }).error;
    expect(error.Error).toBe('Sandbox.Timedout');
    expect(JSON.parse(error.Cause)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]+ Error: Task timed out after 0\.05 seconds$/,
      ),
    });
    // Within its timeout a function answers as before.
    const quick = await runOnce(
      definition,
      { slow: async () => 'on time' },
      { functionTimeouts: { slow: 0.05 } },
    );
    expect(quick.output).toEqual({ value: 'on time' });
  });

  it('counts history events as Step Functions records them', async () => {
    // ExecutionStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited, ExecutionSucceeded.
    const task = await runOnce(
      { StartAt: 'One', States: { One: invoke('one', { End: true }) } },
      { one: async () => 1 },
    );
    expect(task.history).toBe(7);
    // A retried attempt adds TaskScheduled, TaskStarted, TaskFailed.
    let calls = 0;
    const retried = await runOnce(
      {
        StartAt: 'One',
        States: {
          One: invoke('one', {
            Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 0, MaxAttempts: 2 }],
            End: true,
          }),
        },
      },
      {
        one: async () => {
          if (++calls === 1) throw new Error('first attempt fails');
          return 1;
        },
      },
      { waitOverrides: { One: 1 } },
    );
    expect(retried.history).toBe(10);
    // Map over three items: MapStateEntered, MapStateStarted, per item MapIterationStarted, the
    // task's five events, MapIterationSucceeded; MapStateSucceeded, MapStateExited.
    const map = await runOnce(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: { StartAt: 'One', States: { One: invoke('one', { End: true }) } },
            End: true,
          },
        },
      },
      { one: async () => 1 },
      {},
      { items: [1, 2, 3] },
    );
    expect(map.error).toBeUndefined();
    expect(map.history).toBe(1 + 2 + 3 * 7 + 2 + 1);
  });

  it('fails an execution at 25,000 history events with States.Runtime, as AWS does', async () => {
    const { error, history } = await runOnce(
      {
        StartAt: 'Spin',
        States: {
          Spin: { Type: 'Pass', Result: true, ResultPath: '$.spin', Next: 'Again' },
          Again: {
            Type: 'Choice',
            Choices: [{ Variable: '$.spin', BooleanEquals: true, Next: 'Spin' }],
            Default: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
      {},
    );
    expect(error).toMatchObject({
      name: 'States.Runtime',
      message: 'The execution reached the maximum number of history events (25000).',
    });
    expect(history).toBeGreaterThanOrEqual(HISTORY_EVENT_LIMIT);
  }, 120_000);

  it('refuses a Lambda task the state machine\u2019s role is not granted, as the integration reports it', async () => {
    const grants: LocalGrants = {
      roles: {
        MachineRole: {
          statements: [
            { effect: 'Allow', actions: ['lambda:InvokeFunction'], resources: [localFunctionArn('granted')] },
          ],
        },
        FnRole: { statements: [] },
      },
      functions: Object.fromEntries(
        ['granted', 'other'].map((name) => [
          name,
          { arn: localFunctionArn(name), role: 'FnRole', timeoutSeconds: 3, memoryMb: 128, environment: {} },
        ]),
      ),
      stateMachines: { [arn]: { role: 'MachineRole' } },
      schedulerRoles: [],
      resources: {},
    };
    const iam = new LocalIam(grants);
    const functions = { granted: async () => 'yes', other: async () => 'no' };
    const definition = (fn: string) => ({ StartAt: 'Call', States: { Call: invoke(fn, { End: true }) } });
    expect((await runOnce(definition('granted'), functions, { iam })).output).toEqual({ value: 'yes' });
    const { error } = await runOnce(definition('other'), functions, { iam });
    expect(error?.name).toBe('Lambda.AWSLambdaException');
    expect(error?.message).toContain(
      `User: arn:aws:sts::000000000000:assumed-role/MachineRole/run is not authorized to perform: lambda:InvokeFunction on resource: ${localFunctionArn('other')}`,
    );
    expect(error?.message).toContain('Error Code: AccessDeniedException');
  });

  it('injects Lambda throttling that a Retry on Lambda.TooManyRequestsException rides out', async () => {
    const throttle = new ThrottleInjector({ lambda: 0.5 }, 7);
    const steps = ['A', 'B', 'C', 'D', 'E', 'F'];
    const definition = {
      StartAt: 'A',
      States: Object.fromEntries(
        steps.map((name, index) => [
          name,
          invoke('step', {
            Retry: [
              { ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 1, MaxAttempts: 20 },
            ],
            ResultPath: null,
            ...(index === steps.length - 1 ? { End: true } : { Next: steps[index + 1] }),
          }),
        ]),
      ),
    };
    const overrides = Object.fromEntries(steps.map((name) => [name, 1]));
    const retried = await runOnce(
      definition,
      { step: async () => 'ok' },
      { throttle, waitOverrides: overrides },
    );
    expect(retried.error).toBeUndefined();
    expect(throttle.injected.lambda).toBeGreaterThan(0);

    // Without a retrier, the same throttling fails the execution with Lambda's error.
    const bare = { StartAt: 'A', States: { A: invoke('step', { End: true }) } };
    const always = new ThrottleInjector({ lambda: 1 });
    const failed = await runOnce(bare, { step: async () => 'ok' }, { throttle: always });
    expect(failed.error?.name).toBe('Lambda.TooManyRequestsException');
  });
});
