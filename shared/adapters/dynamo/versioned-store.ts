import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  StaleWriteError,
} from '#shared/domain/errors.ts';
import type { NameReservationEntity } from './entities/name-reservation.ts';
import type { Entity } from './entity.ts';
import {
  ConditionFailed,
  type ItemRead,
  isTransactionConflict,
  type Page,
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

type VersionedEntity<T> = Entity<T, { tenantId: string; id: string }, { tenantId: string }, unknown>;

/**
 * Stores entities whose names are unique per tenant and whose updates are optimistic
 * (`version` must not have moved since the caller read it). Every write carries its audit entry
 * in the same transaction.
 */
export class VersionedStore<T extends Versioned> {
  readonly #table: TableAccess;
  readonly #entity: VersionedEntity<T>;
  readonly #names: NameReservationEntity;

  constructor(table: TableAccess, entity: VersionedEntity<T>, names: NameReservationEntity) {
    this.#table = table;
    this.#entity = entity;
    this.#names = names;
  }

  async get(tenantId: string, id: string): Promise<T | undefined> {
    const { key, parse } = this.read(tenantId, id);
    return await this.#table.get(key, parse);
  }

  /** The entity's read, to make with others in one request ({@link TableAccess.getAll}). */
  read(tenantId: string, id: string): ItemRead<T> {
    return { key: this.#entity.key({ tenantId, id }), parse: this.#entity.parse };
  }

  /** The entity holding a name (names compare case-insensitively), through its reservation. */
  async getByName(tenantId: string, name: string): Promise<T | undefined> {
    const reservation = await this.#table.get(this.#names.key({ tenantId, name }), this.#names.parse);
    return reservation ? this.get(tenantId, reservation.ownerId) : undefined;
  }

  async list(tenantId: string, page: { limit: number; cursor?: string }): Promise<Page<T>> {
    return await this.#table.queryPage(this.#entity.query({ tenantId }), {
      scope: `${this.#entity.name}:${tenantId}`,
      limit: page.limit,
      ...(page.cursor ? { cursor: page.cursor } : {}),
      parse: this.#entity.parse,
    });
  }

  async create(entity: T, extra: TransactItem[]): Promise<void> {
    await this.#run(entity, [
      this.#table.put(this.#entity.item(entity), 'attribute_not_exists(pk)'),
      this.#nameReservation(entity),
      ...extra,
    ]);
  }

  /** Replaces `before` with `after` (whose version must be `before.version + 1`). */
  async update(before: T, after: T, extra: TransactItem[]): Promise<void> {
    const renamed = before.name.toLowerCase() !== after.name.toLowerCase();
    await this.#run(after, [
      this.#table.put(this.#entity.item(after), 'version = :expected', { ':expected': before.version }),
      ...(renamed ? [this.#nameReservation(after), this.#table.delete(this.#names.key(before))] : []),
      ...extra,
    ]);
  }

  async remove(entity: T, extra: TransactItem[]): Promise<void> {
    await this.#run(entity, [
      this.#table.delete(this.#entity.key(entity), 'version = :expected', { ':expected': entity.version }),
      this.#table.delete(this.#names.key(entity)),
      ...extra,
    ]);
  }

  #nameReservation(entity: T): TransactItem {
    return this.#table.put(
      this.#names.item({ ownerId: entity.id }, { key: entity }),
      'attribute_not_exists(pk)',
    );
  }

  async #run(entity: T, items: TransactItem[]): Promise<void> {
    const kind = this.#entity.name;
    try {
      await this.#table.transact(items);
    } catch (error) {
      if (isTransactionConflict(error)) {
        // Another transaction on the same items was in flight; this one's read may be stale.
        throw new StaleWriteError(`the ${kind} is being changed by another request; try again`, {
          cause: error,
        });
      }
      if (isItemTooLarge(error)) {
        throw new PayloadTooLargeError(
          `the ${kind} is too large to store (DynamoDB items hold at most 400 KB)`,
          {
            cause: error,
          },
        );
      }
      if (!(error instanceof ConditionFailed)) throw error;
      const failed = items[error.index];
      const failedSk = (failed?.Put?.Item ?? failed?.Delete?.Key)?.sk;
      const reservations = this.#names.key({ tenantId: entity.tenantId, name: '' }).sk;
      if (typeof failedSk === 'string' && failedSk.startsWith(reservations)) {
        throw new ConflictError(`a ${kind} named '${entity.name}' already exists`, { cause: error });
      }
      if (error.item === undefined) throw new NotFoundError(kind, entity.id);
      throw new StaleWriteError(`the ${kind} was changed by another request; read it again`, {
        cause: error,
      });
    }
  }
}

/** DynamoDB's refusal of an item over 400 KB (a ValidationException, inside a transaction too). */
function isItemTooLarge(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''} ${JSON.stringify((error as TransactionCanceledException)?.CancellationReasons ?? [])}`;
  return /item size (has )?exceeded/i.test(text);
}
