import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { AwsEventPublisher } from '#shared/adapters/notifications/aws-event-publisher.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';

/** Clients that record commands and answer as told (the AWS boundary only). */
function clients(answers: { sns?: () => unknown; events?: () => unknown } = {}) {
  const sent: Array<{ command: string; input: Record<string, any> }> = [];
  const client = (answer?: () => unknown) =>
    ({
      send: async (command: { constructor: { name: string }; input: Record<string, any> }) => {
        sent.push({ command: command.constructor.name, input: command.input });
        return answer ? answer() : {};
      },
    }) as unknown;
  return { sns: client(answers.sns) as SNSClient, events: client(answers.events) as EventBridgeClient, sent };
}

const events = Array.from({ length: 12 }, (_, i) =>
  domainEvent({
    tenantId: 't1',
    type: 'run.failed',
    subject: `run_${i}`,
    time: 0,
    policyId: 'pol_1',
    data: { i },
  }),
);
const target = { topicArn: 'arn:aws:sns:eu-central-1:1:events', busName: 'bus' };

describe('the AWS event publisher', () => {
  it('publishes to SNS with tenant, type and outcome attributes and to the bus, in batches of ten', async () => {
    const { sns, events: bus, sent } = clients();
    await new AwsEventPublisher(sns, bus, target).publish(events);
    expect(
      sent.map((s) => [s.command, (s.input.PublishBatchRequestEntries ?? s.input.Entries).length]),
    ).toEqual([
      ['PublishBatchCommand', 10],
      ['PutEventsCommand', 10],
      ['PublishBatchCommand', 2],
      ['PutEventsCommand', 2],
    ]);
    const entry = sent[0]?.input.PublishBatchRequestEntries[0];
    expect(JSON.parse(entry.Message)).toEqual(events[0]);
    expect(entry.MessageAttributes).toEqual({
      tenant: { DataType: 'String', StringValue: 't1' },
      type: { DataType: 'String', StringValue: 'run.failed' },
      outcome: { DataType: 'String', StringValue: 'failure' },
    });
    expect(sent[1]?.input.Entries[0]).toMatchObject({
      EventBusName: 'bus',
      Source: 'pve-snapshots',
      DetailType: 'run.failed',
    });
  });

  it('throws when SNS or EventBridge refuses part of a batch, so the step is retried', async () => {
    const refusedBySns = clients({ sns: () => ({ Failed: [{ Id: '0', Message: 'throttled' }] }) });
    await expect(
      new AwsEventPublisher(refusedBySns.sns, refusedBySns.events, target).publish(events.slice(0, 1)),
    ).rejects.toThrow(/SNS refused 1 of 1 events: throttled/);
    const refusedByBus = clients({ events: () => ({ FailedEntryCount: 1 }) });
    await expect(
      new AwsEventPublisher(refusedByBus.sns, refusedByBus.events, target).publish(events.slice(0, 2)),
    ).rejects.toThrow(/EventBridge refused 1 of 2/);
  });
});
