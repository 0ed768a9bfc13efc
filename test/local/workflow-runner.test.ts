import { afterEach, describe, expect, it, vi } from 'vitest';
import { localFunctionArn, localStateMachineArn } from '#shared/local/local-arns.ts';
import { LocalWorkflowRunner, PAYLOAD_LIMIT_BYTES } from '#shared/local/workflows/local-workflow-runner.ts';

const arn = localStateMachineArn('Tiny');
const childArn = localStateMachineArn('Child');
const invoke = (fn: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: localFunctionArn(fn), 'Payload.$': '$' },
  ResultSelector: { 'value.$': '$.Payload' },
  ...extra,
});
const definition = { StartAt: 'Produce', States: { Produce: { ...invoke('produce'), End: true } } };
const resolveAfter = (ms: number, value: unknown) =>
  new Promise((resolve) => setTimeout(() => resolve(value), ms));

afterEach(() => {
  vi.useRealTimers();
});

describe('the local workflow runner', () => {
  it('fails a task whose result passes Step Functions\u2019 256 KiB limit, as AWS would', async () => {
    const errors: unknown[] = [];
    const runner = new LocalWorkflowRunner(
      { [arn]: definition },
      arn,
      { produce: async (input) => 'x'.repeat((input as { bytes: number }).bytes) },
      { onExecutionError: (_name, error) => errors.push(error) },
    );
    expect(await runner.start('small', { bytes: 1000 })).toEqual({ value: 'x'.repeat(1000) });
    expect(await runner.start('large', { bytes: PAYLOAD_LIMIT_BYTES + 1 })).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message) + (errors[0] as Error).name).toMatch(
      /DataLimitExceeded|more than Step Functions/,
    );
  });

  it('lets a task without TimeoutSeconds run for longer than a minute, as Step Functions does', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const runner = new LocalWorkflowRunner(
      { [arn]: definition },
      arn,
      { produce: () => resolveAfter(5 * 60_000, 'done after five minutes') },
      { onExecutionError: (_name, error) => errors.push(error) },
    );
    const result = runner.start('slow', {});
    await vi.advanceTimersByTimeAsync(5 * 60_000 + 1000);
    expect(await result).toEqual({ value: 'done after five minutes' });
    expect(errors).toEqual([]);
  });

  it('times a task out after its own TimeoutSeconds with States.Timeout', async () => {
    vi.useFakeTimers();
    const runner = new LocalWorkflowRunner(
      {
        [arn]: {
          StartAt: 'Produce',
          States: {
            Produce: {
              ...invoke('produce', { TimeoutSeconds: 5 }),
              Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'GaveUp' }],
              End: true,
            },
            GaveUp: { Type: 'Pass', End: true },
          },
        },
      },
      arn,
      { produce: () => resolveAfter(10_000, 'too late') },
    );
    const result = runner.start('bounded', {});
    await vi.advanceTimersByTimeAsync(11_000);
    expect(await result).toMatchObject({ error: { Error: 'States.Timeout' } });
  });

  it('stops a child execution whose task timed out, so it does nothing more', async () => {
    vi.useFakeTimers();
    const recorded: unknown[] = [];
    const runner = new LocalWorkflowRunner(
      {
        [arn]: {
          StartAt: 'RunChild',
          States: {
            RunChild: {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution.sync:2',
              Parameters: {
                StateMachineArn: childArn,
                Input: { 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
              },
              TimeoutSeconds: 5,
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.lost', Next: 'ChildLost' }],
              End: true,
            },
            ChildLost: { Type: 'Pass', End: true },
          },
        },
        [childArn]: {
          StartAt: 'Work',
          States: {
            Work: { ...invoke('work'), Next: 'WaitAgain' },
            WaitAgain: { Type: 'Wait', Seconds: 1, Next: 'Record' },
            Record: { ...invoke('record'), End: true },
          },
        },
      },
      arn,
      {
        work: () => resolveAfter(10_000, 'worked'),
        record: async (input) => {
          recorded.push(input);
          return 'recorded';
        },
      },
    );
    const result = runner.start('parent', {});
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await result).toMatchObject({ lost: { Error: 'States.Timeout' } });
    expect(recorded).toEqual([]);
    expect(runner.running).toBe(0);
  });

  it('refuses a definition with heartbeats it could not enforce', () => {
    expect(
      () =>
        new LocalWorkflowRunner(
          {
            [arn]: {
              StartAt: 'Produce',
              States: { Produce: { ...invoke('produce'), HeartbeatSeconds: 60, End: true } },
            },
          },
          arn,
          { produce: async () => 'x' },
        ),
    ).toThrow(/HeartbeatSeconds/);
  });
});
