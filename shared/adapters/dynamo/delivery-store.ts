import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Delivery } from '#shared/domain/notifications/delivery.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import { keys } from './keys.ts';
import { stripKeys, type TableAccess } from './table-access.ts';

/** Deliveries are kept this long for `GET /v1/subscriptions/{id}/deliveries`. */
const DELIVERY_TTL_DAYS = 30;
/**
 * A delivery claimed (or last saved) this long ago and still `delivering` was abandoned by a
 * crashed notifier and may be taken over. Longer than one delivery with all its retries (about
 * 65 s) and the notifier's timeout (2 min); shorter than the queue's visibility timeout (6 min),
 * so SQS's redelivery of the event can take it over.
 */
const STALE_CLAIM_MS = 3 * 60_000;

/** Deliveries per subscription, and the local runtime's outbox of events waiting for the notifier. */
export class DeliveryStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  /**
   * Claims the delivery of an event to a subscription: true for the first claim, false when it
   * was claimed before (a duplicate event), unless that claim was abandoned long ago.
   */
  async claim(delivery: Delivery): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.tableName,
          Item: this.#item(delivery),
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :delivering AND claimedAt < :stale)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':delivering': 'delivering',
            ':stale': this.#table.now() - STALE_CLAIM_MS,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async save(delivery: Delivery): Promise<void> {
    await this.#table.doc.send(
      new PutCommand({ TableName: this.#table.tableName, Item: this.#item(delivery) }),
    );
  }

  /** The subscription's deliveries, newest first. */
  async list(tenantId: string, subscriptionId: string, limit: number): Promise<Delivery[]> {
    const items = await this.#table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.deliveryPartition(tenantId, subscriptionId) },
    });
    return items
      .filter((item) => !this.#table.isExpired(item))
      .map((item) => {
        const { claimedAt: _claimedAt, ...delivery } = stripKeys<Delivery & { claimedAt?: number }>(item);
        return delivery;
      })
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      .slice(0, limit);
  }

  /** Adds an event to the outbox once (a second add of the same event id changes nothing). */
  async enqueue(event: DomainEvent): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.tableName,
          Item: { ...keys.outbox(event.id), entity: 'outbox', event },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Up to `limit` events from the outbox (a queue: no order is promised). */
  async pending(limit: number): Promise<DomainEvent[]> {
    const result = await this.#table.doc.send(
      new QueryCommand({
        TableName: this.#table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.outbox('').pk },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => item.event as DomainEvent);
  }

  async dequeue(eventId: string): Promise<void> {
    await this.#table.doc.send(
      new DeleteCommand({ TableName: this.#table.tableName, Key: keys.outbox(eventId) }),
    );
  }

  #item(delivery: Delivery) {
    return {
      ...keys.delivery(delivery.tenantId, delivery.subscriptionId, delivery.eventId),
      entity: 'delivery',
      ...delivery,
      claimedAt: this.#table.now(),
      ttl: this.#table.nowEpochSeconds() + DELIVERY_TTL_DAYS * 86_400,
    };
  }
}
