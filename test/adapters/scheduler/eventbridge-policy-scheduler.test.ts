import { ResourceNotFoundException, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { EventBridgePolicyScheduler } from '#shared/adapters/scheduler/eventbridge-policy-scheduler.ts';
import { testPolicy } from '#test/support/policies.ts';

const policy = testPolicy({
  schedule: { cron: '30 2 * * 1-5', timezone: 'Europe/Berlin', missedRuns: 'skip' },
  schedulerExpression: 'cron(30 2 ? * 2-6 *)',
});

const settings = {
  groupName: 'pve-snapshots',
  targetArn: 'arn:aws:states:eu-central-1:123456789012:stateMachine:policy-run',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
  deadLetterArn: 'arn:aws:sqs:eu-central-1:123456789012:schedule-dlq',
};

/** A Scheduler client that records commands and answers as told (the AWS boundary only). */
function schedulerClient(answers: Record<string, () => unknown> = {}) {
  const sent: Array<{ command: string; input: Record<string, any> }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, any> }) => {
      const name = command.constructor.name;
      sent.push({ command: name, input: command.input });
      const answer = answers[name];
      return answer ? answer() : {};
    },
  } as unknown as SchedulerClient;
  return { client, sent };
}

const notFound = () => {
  throw new ResourceNotFoundException({
    message: 'Schedule not found',
    Message: 'Schedule not found',
    $metadata: {},
  });
};

describe('the EventBridge Scheduler adapter', () => {
  it('creates a missing schedule with the policy\u2019s expression, zone, target input, retries and dead letters', async () => {
    const { client, sent } = schedulerClient({ UpdateScheduleCommand: notFound });
    await new EventBridgePolicyScheduler(client, settings).put(policy);
    expect(sent.map((entry) => entry.command)).toEqual(['UpdateScheduleCommand', 'CreateScheduleCommand']);
    const input = sent[1]?.input ?? {};
    expect(input).toMatchObject({
      Name: 'policy-pol_01JD0000000000000000000001',
      GroupName: 'pve-snapshots',
      ScheduleExpression: 'cron(30 2 ? * 2-6 *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: settings.targetArn,
        RoleArn: settings.roleArn,
        DeadLetterConfig: { Arn: settings.deadLetterArn },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
      },
    });
    expect(input.Name.length).toBeLessThanOrEqual(64);
    expect(JSON.parse(input.Target.Input)).toEqual({
      tenantId: 'acme',
      policyId: policy.id,
      scheduledTime: '<aws.scheduler.scheduled-time>',
      trigger: 'schedule',
    });
  });

  it('gives a policy with a start window a flexible window of that many minutes, the tick still its scheduled time', async () => {
    const { client, sent } = schedulerClient();
    await new EventBridgePolicyScheduler(client, settings).put({
      ...policy,
      schedule: { ...policy.schedule, startWindowMinutes: 15 },
    });
    expect(sent[0]?.input.FlexibleTimeWindow).toEqual({ Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 });
    expect(JSON.parse(sent[0]?.input.Target.Input).scheduledTime).toBe('<aws.scheduler.scheduled-time>');
  });

  it('updates an existing schedule in place and disables it with the policy', async () => {
    const { client, sent } = schedulerClient();
    await new EventBridgePolicyScheduler(client, settings).put({ ...policy, enabled: false });
    expect(sent.map((entry) => entry.command)).toEqual(['UpdateScheduleCommand']);
    expect(sent[0]?.input.State).toBe('DISABLED');
  });

  it('deletes the schedule, and accepts one that is already gone', async () => {
    const { client, sent } = schedulerClient({ DeleteScheduleCommand: notFound });
    await new EventBridgePolicyScheduler(client, settings).remove(policy);
    expect(sent).toEqual([
      {
        command: 'DeleteScheduleCommand',
        input: { Name: 'policy-pol_01JD0000000000000000000001', GroupName: 'pve-snapshots' },
      },
    ]);
  });

  it('lists the policies that have a schedule in the group, page by page', async () => {
    let page = 0;
    const { client, sent } = schedulerClient({
      ListSchedulesCommand: () =>
        page++ === 0
          ? { Schedules: [{ Name: 'policy-pol_1' }, { Name: 'policy-pol_2' }], NextToken: 't1' }
          : { Schedules: [{ Name: 'policy-pol_3' }] },
    });
    const ids = await new EventBridgePolicyScheduler(client, settings).scheduledPolicyIds();
    expect(ids).toEqual(['pol_1', 'pol_2', 'pol_3']);
    expect(sent.map((c) => c.input)).toEqual([
      { GroupName: 'pve-snapshots', NamePrefix: 'policy-', NextToken: undefined },
      { GroupName: 'pve-snapshots', NamePrefix: 'policy-', NextToken: 't1' },
    ]);
  });
});
