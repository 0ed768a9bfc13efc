import { NotFoundError, PreconditionFailedError } from '#shared/domain/errors.ts';
import type { Subscription } from '#shared/domain/notifications/subscription.ts';
import { subscriptionEntity } from './entities/subscription.ts';
import {
  ConditionFailed,
  isTransactionConflict,
  type Page,
  type TableAccess,
  type TransactItem,
} from './table-access.ts';

/** Transactions on one item at once: DynamoDB cancels all but one with `TransactionConflict`. */
const CONFLICT_ATTEMPTS = 5;

/** A tenant's notification subscriptions; every change carries its audit entry in the same transaction. */
export class SubscriptionStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async get(tenantId: string, id: string): Promise<Subscription | undefined> {
    return await this.#table.get(subscriptionEntity.key({ tenantId, id }), subscriptionEntity.parse);
  }

  /** One page of the tenant's subscriptions, oldest first (ids sort by creation). */
  async list(tenantId: string, page: { limit: number; cursor?: string }): Promise<Page<Subscription>> {
    return await this.#table.queryPage(subscriptionEntity.query({ tenantId }), {
      scope: `subscriptions:${tenantId}`,
      limit: page.limit,
      ...(page.cursor ? { cursor: page.cursor } : {}),
      parse: subscriptionEntity.parse,
    });
  }

  /** Every subscription of the tenant (a tenant has a handful; the notifier reads them per event). */
  async all(tenantId: string): Promise<Subscription[]> {
    return await this.#table.queryAll(subscriptionEntity.query({ tenantId }), subscriptionEntity.parse);
  }

  async create(subscription: Subscription, audit: TransactItem[]): Promise<void> {
    await this.#table.transact([
      this.#table.put(subscriptionEntity.item(subscription), 'attribute_not_exists(pk)'),
      ...audit,
    ]);
  }

  /** Replaces `before` with `after`; fails with 412 when it changed since `before` was read. */
  async update(before: Subscription, after: Subscription, audit: TransactItem[]): Promise<void> {
    await this.#run(after.id, [
      this.#table.put(subscriptionEntity.item(after), 'version = :expected', { ':expected': before.version }),
      ...audit,
    ]);
  }

  async remove(subscription: Subscription, audit: TransactItem[]): Promise<void> {
    await this.#run(subscription.id, [
      this.#table.delete(subscriptionEntity.key(subscription), 'version = :expected', {
        ':expected': subscription.version,
      }),
      ...audit,
    ]);
  }

  async #run(id: string, items: TransactItem[]): Promise<void> {
    try {
      // Another transaction on the item in flight: its outcome decides ours on the next try.
      await this.#table.transact(items, { conflictAttempts: CONFLICT_ATTEMPTS });
    } catch (error) {
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
