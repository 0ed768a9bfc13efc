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

  describe('tasks that wait for their token (lambda:invoke.waitForTaskToken)', () => {
    const waiting = (extra: Record<string, unknown> = {}) => ({
      [arn]: {
        StartAt: 'Follow',
        States: {
          Follow: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: {
              FunctionName: localFunctionArn('follow'),
              Payload: { 'token.$': '$$.Task.Token', 'what.$': '$.what' },
            },
            ResultPath: '$.answer',
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failed', Next: 'Failed' }],
            ...extra,
            End: true,
          },
          Failed: { Type: 'Pass', End: true },
        },
      },
    });

    it('gives the function a token of its own and ends the task with what SendTaskSuccess sends', async () => {
      const tokens: string[] = [];
      let runner!: LocalWorkflowRunner;
      runner = new LocalWorkflowRunner(waiting(), arn, {
        follow: async (payload) => {
          const { token, what } = payload as { token: string; what: string };
          tokens.push(token);
          // Answered after the function returned, as an agent answers later.
          setTimeout(() => runner.sendTaskSuccess(token, { followed: what }), 10);
          return 'ignored: the task waits for its token';
        },
      });
      expect(runner.stateMachineOfToken('unknown')).toBeUndefined();
      const [first, second] = await Promise.all([
        runner.start('one', { what: 'a' }),
        runner.start('two', { what: 'b' }),
      ]);
      expect(first).toEqual({ what: 'a', answer: { followed: 'a' } });
      expect(second).toEqual({ what: 'b', answer: { followed: 'b' } });
      expect(new Set(tokens).size).toBe(2);
      // The task is over: its token answers nothing any more, as Step Functions says.
      expect(() => runner.sendTaskSuccess(tokens[0] ?? '', {})).toThrow(
        expect.objectContaining({ name: 'TaskTimedOut' }),
      );
    });

    it('fails the task with the error SendTaskFailure names', async () => {
      const runner: LocalWorkflowRunner = new LocalWorkflowRunner(waiting(), arn, {
        follow: async (payload) => {
          const { token } = payload as { token: string };
          setTimeout(() => runner.sendTaskFailure(token, 'ProxmoxServerError', 'status unreadable'), 10);
          return null;
        },
      });
      expect(await runner.start('failing', { what: 'a' })).toMatchObject({
        failed: { Error: 'ProxmoxServerError', Cause: 'status unreadable' },
      });
    });

    it('keeps a task alive while heartbeats come, and fails it with States.HeartbeatTimeout when they stop', async () => {
      vi.useFakeTimers();
      let token = '';
      const runner = new LocalWorkflowRunner(waiting({ HeartbeatSeconds: 10 }), arn, {
        follow: async (payload) => {
          token = (payload as { token: string }).token;
          return null;
        },
      });
      const result = runner.start('beating', { what: 'a' });
      await vi.advanceTimersByTimeAsync(100);
      for (let beat = 0; beat < 5; beat++) {
        await vi.advanceTimersByTimeAsync(8_000);
        runner.sendTaskHeartbeat(token);
      }
      // 40 s with a beat every 8 s: still waiting.
      expect(runner.running).toBe(1);
      await vi.advanceTimersByTimeAsync(10_001);
      expect(await result).toMatchObject({ failed: { Error: 'States.HeartbeatTimeout' } });
      expect(() => runner.sendTaskHeartbeat(token)).toThrow(
        expect.objectContaining({ name: 'TaskTimedOut' }),
      );
    });

    it('ends the task at the timeout its input names (TimeoutSecondsPath), and closes its token then', async () => {
      vi.useFakeTimers();
      let token = '';
      const runner = new LocalWorkflowRunner(waiting({ TimeoutSecondsPath: '$.limit' }), arn, {
        follow: async (payload) => {
          token = (payload as { token: string }).token;
          return null;
        },
      });
      const result = runner.start('limited', { what: 'a', limit: 30 });
      await vi.advanceTimersByTimeAsync(29_000);
      expect(runner.running).toBe(1);
      await vi.advanceTimersByTimeAsync(1_001);
      expect(await result).toMatchObject({ failed: { Error: 'States.Timeout' } });
      // A late answer meets a closed token, as in Step Functions.
      expect(() => runner.sendTaskSuccess(token, {})).toThrow(
        expect.objectContaining({ name: 'TaskTimedOut' }),
      );
    });

    it('fails the task with the function\u2019s own error when the invocation fails', async () => {
      const runner = new LocalWorkflowRunner(waiting(), arn, {
        follow: async () => {
          throw Object.assign(new Error('agent for cluster lab offline'), { name: 'AgentOfflineError' });
        },
      });
      expect(await runner.start('refused', { what: 'a' })).toMatchObject({
        failed: { Error: 'AgentOfflineError' },
      });
    });
  });
});

describe('Express state machines in the local runner', () => {
  const parent = (resource: string) => ({
    StartAt: 'RunChild',
    States: {
      RunChild: {
        Type: 'Task',
        Resource: resource,
        Parameters: {
          StateMachineArn: childArn,
          Input: { 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id', 'n.$': '$.n' },
        },
        ResultSelector: { 'output.$': '$.Output' },
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.lost', Next: 'ChildLost' }],
        End: true,
      },
      ChildLost: { Type: 'Pass', End: true },
    },
  });
  const child = {
    StartAt: 'Work',
    States: { Work: { ...invoke('work'), ResultSelector: { 'doubled.$': '$.Payload' }, End: true } },
  };

  it('refuses an Express definition with a .sync or .waitForTaskToken task, as CreateStateMachine does', () => {
    const express = (definition: Record<string, unknown>) =>
      new LocalWorkflowRunner({ [arn]: definition }, arn, {}, { stateMachineTypes: { [arn]: 'EXPRESS' } });
    expect(() => express(parent('arn:aws:states:::states:startExecution.sync:2'))).toThrow(
      /Express state machine does not support '\.sync:2' service integration at \/States\/RunChild/,
    );
    expect(() =>
      express({
        StartAt: 'Wait',
        States: {
          Wait: { ...invoke('work'), Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', End: true },
        },
      }),
    ).toThrow(/does not support '\.waitForTaskToken'/);
    // The same definitions are fine as Standard, and a request-response task is fine in Express.
    expect(
      () =>
        new LocalWorkflowRunner({ [arn]: parent('arn:aws:states:::states:startExecution.sync:2') }, arn, {}),
    ).not.toThrow();
    expect(() => express(child)).not.toThrow();
  });

  it('runs an Express child from a Standard parent with startExecution.sync:2, its Output as JSON (.sync: as text)', async () => {
    const run = async (resource: string) => {
      const runner = new LocalWorkflowRunner(
        { [arn]: parent(resource), [childArn]: child },
        arn,
        { work: async (input) => (input as { n: number }).n * 2 },
        { stateMachineTypes: { [arn]: 'STANDARD', [childArn]: 'EXPRESS' } },
      );
      return await runner.start('parent', { n: 21 });
    };
    expect(await run('arn:aws:states:::states:startExecution.sync:2')).toEqual({ output: { doubled: 42 } });
    expect(await run('arn:aws:states:::states:startExecution.sync')).toEqual({
      output: JSON.stringify({ doubled: 42 }),
    });
  });

  it('fails an Express execution that runs past five minutes with States.Timeout; a Standard one runs on', async () => {
    vi.useFakeTimers();
    const ended: unknown[] = [];
    const slowChild = {
      StartAt: 'Wait',
      States: { Wait: { Type: 'Wait', Seconds: 400, Next: 'Work' }, Work: { ...invoke('work'), End: true } },
    };
    const runnerOf = (type: 'STANDARD' | 'EXPRESS') =>
      new LocalWorkflowRunner(
        { [arn]: parent('arn:aws:states:::states:startExecution.sync:2'), [childArn]: slowChild },
        arn,
        { work: async () => 'worked' },
        {
          stateMachineTypes: { [childArn]: type },
          onExecutionEnded: (execution) => ended.push(execution.status),
        },
      );
    const express = runnerOf('EXPRESS').start('parent', { n: 1 });
    await vi.advanceTimersByTimeAsync(410_000);
    expect(await express).toMatchObject({ lost: { Error: 'States.Timeout' } });
    const standard = runnerOf('STANDARD').start('parent', { n: 1 });
    await vi.advanceTimersByTimeAsync(410_000);
    expect(await standard).toMatchObject({ output: { value: 'worked' } });
    // Started on its own, an Express execution past its limit ends TIMED_OUT.
    const alone = runnerOf('EXPRESS');
    const result = alone.start('alone', {}, childArn);
    await vi.advanceTimersByTimeAsync(310_000);
    await result;
    expect(ended).toEqual(['TIMED_OUT']);
  });
});
