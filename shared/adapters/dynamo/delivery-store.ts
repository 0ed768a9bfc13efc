import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Delivery } from '#shared/domain/notifications/delivery.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import { batchWrite } from './batch-write.ts';
import { deliveryEntity, outboxEntity } from './entities/delivery.ts';
import { IS_NEW, type Page, type TableAccess } from './table-access.ts';

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
    const claim = this.#claimPut(delivery);
    return await this.#table.writeIf(claim.Item, {
      expression: claim.ConditionExpression,
      names: claim.ExpressionAttributeNames,
      values: claim.ExpressionAttributeValues,
    });
  }

  /**
   * Claims several deliveries of one event in one transaction (one request instead of one per
   * subscription); says for each whether it was claimed. A cancelled transaction writes
   * nothing, so the deliveries claimed before are left out and the rest claimed again.
   */
  async claimAll(deliveries: readonly Delivery[]): Promise<boolean[]> {
    const claimed = deliveries.map(() => false);
    let open = deliveries.map((_, index) => index);
    for (let round = 0; open.length > 1 && open.length <= 100 && round < 5; round++) {
      try {
        await this.#table.doc.send(
          new TransactWriteCommand({
            TransactItems: open.flatMap((index) => {
              const delivery = deliveries[index];
              return delivery ? [{ Put: this.#claimPut(delivery) }] : [];
            }),
          }),
        );
        for (const index of open) claimed[index] = true;
        return claimed;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const taken = new Set(
          open.filter((_, position) => reasons[position]?.Code === 'ConditionalCheckFailed'),
        );
        // Without a failed condition another writer was in the way (a conflict): try again.
        open = open.filter((index) => !taken.has(index));
      }
    }
    for (const index of open) {
      const delivery = deliveries[index];
      if (delivery) claimed[index] = await this.claim(delivery);
    }
    return claimed;
  }

  async save(delivery: Delivery): Promise<void> {
    await this.#table.write(this.#item(delivery));
  }

  /** Saves many deliveries in batches of 25 (one request each), retrying what DynamoDB leaves unprocessed. */
  async saveAll(deliveries: readonly Delivery[]): Promise<void> {
    await batchWrite(
      this.#table.doc,
      this.#table.tableName,
      deliveries.map((delivery) => ({ PutRequest: { Item: this.#item(delivery) } })),
    );
  }

  /** One page of the subscription's deliveries, newest first. */
  async list(
    tenantId: string,
    subscriptionId: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Delivery>> {
    const result = await this.#table.queryPage(
      { ...deliveryEntity.queryIndex('byResource', { tenantId, subscriptionId }), ScanIndexForward: false },
      {
        scope: `deliveries:${tenantId}:${subscriptionId}`,
        limit: page.limit,
        ...(page.cursor ? { cursor: page.cursor } : {}),
        parse: deliveryEntity.parse,
      },
    );
    return { ...result, items: result.items.map(({ claimedAt: _claimedAt, ...delivery }) => delivery) };
  }

  /** Adds an event to the outbox once (a second add of the same event id changes nothing). */
  async enqueue(event: DomainEvent): Promise<boolean> {
    return await this.#table.writeIf(outboxEntity.item({ event }, { key: { eventId: event.id } }), IS_NEW);
  }

  /** Up to `limit` events from the outbox (a queue: no order is promised). */
  async pending(limit: number): Promise<DomainEvent[]> {
    const result = await this.#table.doc.send(
      new QueryCommand({
        ...outboxEntity.query({}),
        TableName: this.#table.tableName,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => outboxEntity.parse(item).event);
  }

  /** Removes handled events from the outbox, 25 per BatchWriteItem. */
  async dequeueAll(eventIds: readonly string[]): Promise<void> {
    await batchWrite(
      this.#table.doc,
      this.#table.tableName,
      eventIds.map((eventId) => ({ DeleteRequest: { Key: outboxEntity.key({ eventId }) } })),
    );
  }

  #claimPut(delivery: Delivery) {
    return {
      TableName: this.#table.tableName,
      Item: this.#item(delivery),
      ConditionExpression: 'attribute_not_exists(pk) OR (#status = :delivering AND claimedAt < :stale)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':delivering': 'delivering',
        ':stale': this.#table.now() - STALE_CLAIM_MS,
      },
    };
  }

  #item(delivery: Delivery) {
    return deliveryEntity.item(
      { ...delivery, claimedAt: this.#table.now() },
      { lifetimes: this.#table.lifetimes() },
    );
  }
}
