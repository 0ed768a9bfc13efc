import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalIam } from '#shared/local/iam/local-iam.ts';
import type { PolicyStatement } from '#shared/local/iam/policy-evaluation.ts';
import type { LocalGrants } from '#shared/local/iam/template-grants.ts';
import { localFunctionArn, localStateMachineArn, SYNC_EVENTS_RULE_ARN } from '#shared/local/local-arns.ts';
import { LocalWorkflowRunner, type StateMachineType } from '#shared/local/workflows/local-workflow-runner.ts';

const parentArn = localStateMachineArn('Run');
const childArn = localStateMachineArn('Lane');
const states = 'arn:aws:states:local:000000000000';
const allow = (actions: string[], resources: string[]): PolicyStatement => ({
  effect: 'Allow',
  actions,
  resources,
});

/** What CDK's StepFunctionsStartExecution grants a `.sync` task's role: the Step Functions guide's policy. */
const syncTaskGrant = [
  allow(['states:StartExecution'], [childArn]),
  allow(['states:DescribeExecution', 'states:StopExecution'], [`${states}:execution:Lane*`]),
  allow(['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], [SYNC_EVENTS_RULE_ARN]),
];
/** What `allowFollowingExpressChild` adds for an Express child. */
const expressGrant = allow(['states:DescribeExecution'], [`${states}:express:Lane:*`]);

function grants(parent: PolicyStatement[]): LocalGrants {
  return {
    roles: {
      RunRole: { statements: parent },
      LaneRole: { statements: [allow(['lambda:InvokeFunction'], ['*'])] },
    },
    functions: {
      work: {
        arn: localFunctionArn('work'),
        role: 'WorkRole',
        timeoutSeconds: 30,
        memoryMb: 128,
        environment: {},
      },
    },
    stateMachines: { [parentArn]: { role: 'RunRole' }, [childArn]: { role: 'LaneRole' } },
    schedulerRoles: [],
    resources: {},
  };
}

const parent = (timeoutSeconds?: number) => ({
  StartAt: 'RunLane',
  States: {
    RunLane: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        StateMachineArn: childArn,
        Input: { 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
      },
      ...(timeoutSeconds ? { TimeoutSeconds: timeoutSeconds } : {}),
      ResultSelector: { 'output.$': '$.Output', 'arn.$': '$.ExecutionArn' },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.lost', Next: 'LaneLost' }],
      End: true,
    },
    LaneLost: { Type: 'Pass', End: true },
  },
});
/** A child that waits `seconds`, then calls `work`. */
const child = (seconds: number) => ({
  StartAt: 'Wait',
  States: {
    Wait: { Type: 'Wait', Seconds: seconds, Next: 'Work' },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: localFunctionArn('work'), Payload: {} },
      ResultSelector: { 'done.$': '$.Payload' },
      End: true,
    },
  },
});

function runner(
  type: StateMachineType,
  statements: PolicyStatement[],
  options: { timeoutSeconds?: number; wait?: number } = {},
) {
  const worked: string[] = [];
  const run = new LocalWorkflowRunner(
    { [parentArn]: parent(options.timeoutSeconds), [childArn]: child(options.wait ?? 0) },
    parentArn,
    {
      work: async () => {
        worked.push('work');
        return true;
      },
    },
    {
      stateMachineTypes: { [parentArn]: 'STANDARD', [childArn]: type },
      iam: new LocalIam(grants(statements)),
    },
  );
  return { run, worked };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a Standard parent following a child with startExecution.sync, under the local IAM', () => {
  it('needs DescribeExecution on express:<child>:* for an Express child: the .sync task\u2019s own grant on execution:<child>* fails as in AWS', async () => {
    const old = await runner('EXPRESS', syncTaskGrant).run.start('run', {});
    expect(old).toMatchObject({ lost: { Error: 'StepFunctions.AccessDeniedException' } });
    expect((old as { lost: { Cause: string } }).lost.Cause).toMatch(
      /assumed-role\/RunRole\/run is not authorized to perform: states:DescribeExecution on resource: arn:aws:states:local:000000000000:express:Lane:child-1:[0-9a-f-]{36} because/,
    );
    const fixed = await runner('EXPRESS', [...syncTaskGrant, expressGrant]).run.start('run', {});
    expect(fixed).toEqual({
      output: { done: true },
      arn: expect.stringMatching(/^arn:aws:states:local:000000000000:express:Lane:child-1:[0-9a-f-]{36}$/),
    });
  });

  it('follows a Standard child with the .sync task\u2019s grant alone, by its execution:<child>:<name> ARN', async () => {
    expect(await runner('STANDARD', syncTaskGrant).run.start('run', {})).toEqual({
      output: { done: true },
      arn: `${states}:execution:Lane:child-1`,
    });
    const withoutDescribe = syncTaskGrant.filter(
      (statement) => !statement.actions.includes('states:DescribeExecution'),
    );
    expect(await runner('STANDARD', withoutDescribe).run.start('run', {})).toMatchObject({
      lost: { Error: 'StepFunctions.AccessDeniedException' },
    });
  });

  it('needs the rule Step Functions manages for child status events', async () => {
    const withoutRule = syncTaskGrant.filter((statement) => !statement.actions.includes('events:PutRule'));
    const result = await runner('STANDARD', withoutRule).run.start('run', {});
    expect((result as { lost: { Cause: string } }).lost.Cause).toContain(
      `events:PutTargets on resource: ${SYNC_EVENTS_RULE_ARN}`,
    );
  });

  it('stops a Standard child it gave up on (StopExecution as its role); an Express child cannot be stopped and runs to its end', async () => {
    vi.useFakeTimers();
    const outcome = async (type: StateMachineType) => {
      const { run, worked } = runner(type, [...syncTaskGrant, expressGrant], { timeoutSeconds: 5, wait: 10 });
      const result = run.start('run', {});
      await vi.advanceTimersByTimeAsync(12_000);
      await run.drain();
      return { result: await result, worked };
    };
    const standard = await outcome('STANDARD');
    expect(standard.result).toMatchObject({ lost: { Error: 'States.Timeout' } });
    expect(standard.worked).toEqual([]);
    const express = await outcome('EXPRESS');
    expect(express.result).toMatchObject({ lost: { Error: 'States.Timeout' } });
    expect(express.worked).toEqual(['work']);
  });

  it('leaves a Standard child running when the role may not stop it', async () => {
    vi.useFakeTimers();
    const withoutStop = [
      ...syncTaskGrant.filter((statement) => !statement.actions.includes('states:StopExecution')),
      allow(['states:DescribeExecution'], [`${states}:execution:Lane*`]),
    ];
    const { run, worked } = runner('STANDARD', withoutStop, { timeoutSeconds: 5, wait: 10 });
    const result = run.start('run', {});
    await vi.advanceTimersByTimeAsync(12_000);
    await run.drain();
    expect(await result).toMatchObject({ lost: { Error: 'States.Timeout' } });
    expect(worked).toEqual(['work']);
  });
});

describe('an execution that has ended', () => {
  it('runs no further task, not even the first of a Map iteration that starts after it ended', async () => {
    vi.useFakeTimers();
    const calls: number[] = [];
    const lane = {
      StartAt: 'Guests',
      States: {
        Guests: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 1,
          ItemProcessor: {
            StartAt: 'Work',
            States: {
              Work: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: { FunctionName: localFunctionArn('work'), Payload: {} },
                Next: 'Look',
              },
              Look: { Type: 'Wait', Seconds: 1, End: true },
            },
          },
          End: true,
        },
      },
    };
    const run = new LocalWorkflowRunner(
      { [childArn]: lane },
      childArn,
      {
        work: async () => {
          calls.push(Date.now());
          return true;
        },
      },
      { stateMachineTypes: { [childArn]: 'EXPRESS' }, expressLimitMs: 1500 },
    );
    const result = run.start('lane', { items: [1, 2, 3] });
    await vi.advanceTimersByTimeAsync(5_000);
    await result;
    // The first two guests started within the limit; the third's iteration began after it.
    expect(calls).toHaveLength(2);
  });
});
