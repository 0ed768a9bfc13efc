import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import type { EventPublisher } from '#shared/ports/event-publisher.ts';

const BATCH = 10;

/**
 * Publishes to the SNS topic (message attributes tenant, type and outcome, for subscription
 * filter policies; the notifier's queue is one subscriber) and to the EventBridge bus (source
 * `pve-snapshots`, detail-type = event type). Both take batches of ten; a partial failure throws,
 * so the step is retried and publishes again under the same event ids.
 */
export class AwsEventPublisher implements EventPublisher {
  readonly #sns: SNSClient;
  readonly #events: EventBridgeClient;
  readonly #topicArn: string;
  readonly #busName: string;

  constructor(sns: SNSClient, events: EventBridgeClient, target: { topicArn: string; busName: string }) {
    this.#sns = sns;
    this.#events = events;
    this.#topicArn = target.topicArn;
    this.#busName = target.busName;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += BATCH) {
      const batch = events.slice(start, start + BATCH);
      const published = await this.#sns.send(
        new PublishBatchCommand({
          TopicArn: this.#topicArn,
          PublishBatchRequestEntries: batch.map((event, index) => ({
            Id: String(index),
            Message: JSON.stringify(event),
            MessageAttributes: {
              tenant: { DataType: 'String', StringValue: event.tenantId },
              type: { DataType: 'String', StringValue: event.type },
              outcome: { DataType: 'String', StringValue: event.outcome },
            },
          })),
        }),
      );
      if (published.Failed?.length)
        throw new Error(
          `SNS refused ${published.Failed.length} of ${batch.length} events: ${published.Failed[0]?.Message}`,
        );
      const put = await this.#events.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.#busName,
            Source: 'pve-snapshots',
            DetailType: event.type,
            Time: new Date(event.time),
            Detail: JSON.stringify(event),
          })),
        }),
      );
      if (put.FailedEntryCount)
        throw new Error(`EventBridge refused ${put.FailedEntryCount} of ${batch.length} events`);
    }
  }
}
