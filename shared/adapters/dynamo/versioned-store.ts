import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  StaleWriteError,
} from '#shared/domain/errors.ts';
import type { ItemKey } from './keys.ts';
import {
  baseKey,
  ConditionFailed,
  type Page,
  stripKeys,
  type TableAccess,
  type TransactItem,
} from './table-access.ts';

/** What a named, versioned entity (cluster, policy) looks like to its store. */
interface Versioned {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly version: number;
}

export interface VersionedKeys {
  readonly kind: string;
  readonly entity: (tenantId: string, id: string) => ItemKey;
  readonly prefix: () => string;
  readonly name: (tenantId: string, name: string) => ItemKey;
}

/**
 * Stores entities whose names are unique per tenant and whose updates are optimistic
 * (`version` must not have moved since the caller read it). Every write carries its audit entry
 * in the same transaction.
 */
export class VersionedStore<T extends Versioned> {
  private readonly table: TableAccess;
  private readonly keys: VersionedKeys;

  constructor(table: TableAccess, keys: VersionedKeys) {
    this.table = table;
    this.keys = keys;
  }

  async get(tenantId: string, id: string): Promise<T | undefined> {
    const item = await this.table.get(this.keys.entity(tenantId, id));
    return item ? stripKeys<T>(item) : undefined;
  }

  /** The entity holding a name (names compare case-insensitively), through its reservation. */
  async getByName(tenantId: string, name: string): Promise<T | undefined> {
    const reservation = await this.table.get(this.keys.name(tenantId, name));
    return typeof reservation?.ownerId === 'string' ? this.get(tenantId, reservation.ownerId) : undefined;
  }

  async list(tenantId: string, page: { limit: number; cursor?: string }): Promise<Page<T>> {
    const result = await this.table.queryPage(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': this.keys.entity(tenantId, '').pk,
          ':prefix': this.keys.prefix(),
        },
      },
      {
        scope: `${this.keys.kind}:${tenantId}`,
        limit: page.limit,
        ...(page.cursor ? { cursor: page.cursor } : {}),
        keyOf: baseKey,
      },
    );
    return { ...result, items: result.items.map((item) => stripKeys<T>(item)) };
  }

  async create(entity: T, extra: TransactItem[]): Promise<void> {
    await this.#run(entity.name, [
      this.table.put(
        { ...this.keys.entity(entity.tenantId, entity.id), entity: this.keys.kind, ...entity },
        'attribute_not_exists(pk)',
      ),
      this.#nameReservation(entity),
      ...extra,
    ]);
  }

  /** Replaces `before` with `after` (whose version must be `before.version + 1`). */
  async update(before: T, after: T, extra: TransactItem[]): Promise<void> {
    const renamed = before.name.toLowerCase() !== after.name.toLowerCase();
    await this.#run(after.name, [
      {
        Put: {
          TableName: this.table.tableName,
          Item: { ...this.keys.entity(after.tenantId, after.id), entity: this.keys.kind, ...after },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': before.version },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...(renamed
        ? [this.#nameReservation(after), this.table.delete(this.keys.name(before.tenantId, before.name))]
        : []),
      ...extra,
    ]);
  }

  async remove(entity: T, extra: TransactItem[]): Promise<void> {
    await this.#run(entity.name, [
      this.table.delete(this.keys.entity(entity.tenantId, entity.id), 'version = :expected', {
        ':expected': entity.version,
      }),
      this.table.delete(this.keys.name(entity.tenantId, entity.name)),
      ...extra,
    ]);
  }

  #nameReservation(entity: T): TransactItem {
    return this.table.put(
      {
        ...this.keys.name(entity.tenantId, entity.name),
        entity: `${this.keys.kind}-name`,
        ownerId: entity.id,
      },
      'attribute_not_exists(pk)',
    );
  }

  async #run(name: string, items: TransactItem[]): Promise<void> {
    try {
      await this.table.transact(items);
    } catch (error) {
      if (isTransactionConflict(error)) {
        // Another transaction on the same items was in flight; this one's read may be stale.
        throw new StaleWriteError(`the ${this.keys.kind} is being changed by another request; try again`, {
          cause: error,
        });
      }
      if (isItemTooLarge(error)) {
        throw new PayloadTooLargeError(
          `the ${this.keys.kind} is too large to store (DynamoDB items hold at most 400 KB)`,
          { cause: error },
        );
      }
      if (!(error instanceof ConditionFailed)) throw error;
      const failed = items[error.index];
      const failedSk = String((failed?.Put?.Item ?? failed?.Delete?.Key)?.sk ?? '');
      if (failedSk.startsWith(this.keys.name('', '').sk)) {
        throw new ConflictError(`a ${this.keys.kind} named '${name}' already exists`, { cause: error });
      }
      if (error.item === undefined) {
        throw new NotFoundError(this.keys.kind, failedSk.slice(this.keys.prefix().length));
      }
      throw new StaleWriteError(`the ${this.keys.kind} was changed by another request; read it again`, {
        cause: error,
      });
    }
  }
}

function isTransactionConflict(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict')
  );
}

/** DynamoDB's refusal of an item over 400 KB (a ValidationException, inside a transaction too). */
function isItemTooLarge(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''} ${JSON.stringify((error as TransactionCanceledException)?.CancellationReasons ?? [])}`;
  return /item size (has )?exceeded/i.test(text);
}
