import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { NotFoundError, PreconditionFailedError } from '#shared/domain/errors.ts';
import type { Subscription } from '#shared/domain/notifications/subscription.ts';
import { keys } from './keys.ts';
import {
  baseKey,
  ConditionFailed,
  type Page,
  stripKeys,
  type TableAccess,
  type TransactItem,
} from './table-access.ts';

/** A tenant's notification subscriptions; every change carries its audit entry in the same transaction. */
export class SubscriptionStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async get(tenantId: string, id: string): Promise<Subscription | undefined> {
    const item = await this.#table.get(keys.subscription(tenantId, id));
    return item ? stripKeys<Subscription>(item) : undefined;
  }

  /** One page of the tenant's subscriptions, oldest first (ids sort by creation). */
  async list(tenantId: string, page: { limit: number; cursor?: string }): Promise<Page<Subscription>> {
    const result = await this.#table.queryPage(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.subscription(tenantId, '').pk,
          ':prefix': keys.subscriptionPrefix(),
        },
      },
      {
        scope: `subscriptions:${tenantId}`,
        limit: page.limit,
        ...(page.cursor ? { cursor: page.cursor } : {}),
        keyOf: baseKey,
      },
    );
    return { ...result, items: result.items.map((item) => stripKeys<Subscription>(item)) };
  }

  /** Every subscription of the tenant (a tenant has a handful; the notifier reads them per event). */
  async all(tenantId: string): Promise<Subscription[]> {
    const items = await this.#table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.subscription(tenantId, '').pk,
        ':prefix': keys.subscriptionPrefix(),
      },
    });
    return items.map((item) => stripKeys<Subscription>(item));
  }

  async create(subscription: Subscription, audit: TransactItem[]): Promise<void> {
    await this.#table.transact([
      this.#table.put(this.#item(subscription), 'attribute_not_exists(pk)'),
      ...audit,
    ]);
  }

  /** Replaces `before` with `after`; fails with 412 when it changed since `before` was read. */
  async update(before: Subscription, after: Subscription, audit: TransactItem[]): Promise<void> {
    await this.#run(after.id, [
      {
        Put: {
          TableName: this.#table.tableName,
          Item: this.#item(after),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': before.version },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...audit,
    ]);
  }

  async remove(subscription: Subscription, audit: TransactItem[]): Promise<void> {
    await this.#run(subscription.id, [
      this.#table.delete(keys.subscription(subscription.tenantId, subscription.id), 'version = :expected', {
        ':expected': subscription.version,
      }),
      ...audit,
    ]);
  }

  #item(subscription: Subscription) {
    return {
      ...keys.subscription(subscription.tenantId, subscription.id),
      entity: 'subscription',
      ...subscription,
    };
  }

  async #run(id: string, items: TransactItem[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#table.transact(items);
        return;
      } catch (error) {
        if (isTransactionConflict(error) && attempt < CONFLICT_ATTEMPTS) {
          // Another transaction on the item was in flight; its outcome decides ours on the next try.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
          continue;
        }
        if (isTransactionConflict(error))
          throw new PreconditionFailedError(
            'the subscription is being changed by another request; read it again',
          );
        if (!(error instanceof ConditionFailed) || error.index !== 0) throw error;
        if (error.item === undefined) throw new NotFoundError('subscription', id);
        throw new PreconditionFailedError('the subscription changed since it was read; read it again');
      }
    }
  }
}

/** Transactions on one item at once: DynamoDB cancels all but one with `TransactionConflict`. */
const CONFLICT_ATTEMPTS = 5;

function isTransactionConflict(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict')
  );
}
