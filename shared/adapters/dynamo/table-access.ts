import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { retryDelayMs } from '#shared/domain/notifications/backoff.ts';
import { sendUntilProcessed } from './batch-write.ts';
import type { CursorCodec, StartKey } from './cursor.ts';
import type { Item, ItemKey, Lifetimes } from './entity.ts';
import { isIndexName, TABLE_SCHEMA } from './table-schema.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface Page<T> {
  readonly items: T[];
  /** Present when more items follow; pass it back as `cursor`. */
  readonly nextCursor?: string;
}

/** Turns an item read back into its entity's value (an entity's `parse`). */
type Parse<T> = (item: Item) => T;

/** One item to read among others ({@link TableAccess.getAll}): its key and what its value is. */
export interface ItemRead<T> {
  readonly key: ItemKey;
  readonly parse: Parse<T>;
}

/** What {@link TableAccess.getAll} answers: each read's value, or undefined. */
type ReadValues<R extends readonly ItemRead<unknown>[]> = {
  -readonly [K in keyof R]: R[K] extends ItemRead<infer T> ? T | undefined : never;
};

/** Keys per BatchGetItem request (DynamoDB's limit). */
const BATCH_GET_KEYS = 100;

const keyText = (key: ItemKey) => JSON.stringify(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)));

/** Thrown when a condition of one item in a transaction failed; `index` says which. */
export class ConditionFailed extends Error {
  readonly index: number;
  /** The item as it was (undefined: there was none). */
  readonly item: Item | undefined;

  constructor(index: number, item: Item | undefined) {
    super(`condition of transaction item ${index} failed`);
    this.index = index;
    this.item = item;
    this.name = 'ConditionFailed';
  }
}

/**
 * An UpdateItem: fields to set, to set only where absent, counters to add to and fields to
 * remove, under an
 * optional condition (whose `#names` and `:values` come in `names` and `values`).
 */
export interface ItemUpdate {
  readonly set?: Readonly<Record<string, unknown>>;
  readonly setIfAbsent?: Readonly<Record<string, unknown>>;
  readonly add?: Readonly<Record<string, number>>;
  readonly remove?: readonly string[];
  readonly condition?: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** The condition of a single write, with the `#names` and `:values` it uses. */
export interface WriteCondition {
  readonly expression: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Item;
}

/** The write creates the item: none with its key exists yet. */
export const IS_NEW: WriteCondition = { expression: `attribute_not_exists(${TABLE_SCHEMA.partitionKey})` };

/** How long entities live, as the store was configured. */
export interface TableLifetimes {
  readonly historyDays: number;
  readonly idempotencySeconds: number;
}

/** The table, its client and the helpers every entity store builds on. */
export class TableAccess {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cursors: CursorCodec;
  readonly now: () => number;
  readonly #lifetimes: TableLifetimes;

  constructor(
    doc: DynamoDBDocumentClient,
    tableName: string,
    cursors: CursorCodec,
    now: () => number,
    lifetimes: TableLifetimes,
  ) {
    this.doc = doc;
    this.tableName = tableName;
    this.cursors = cursors;
    this.now = now;
    this.#lifetimes = lifetimes;
  }

  nowEpochSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** What entities' TTL rules read, as of now. */
  lifetimes(): Lifetimes {
    return { nowSeconds: this.nowEpochSeconds(), ...this.#lifetimes };
  }

  /** An item is expired once its `ttl` has passed, even if DynamoDB has not deleted it yet. */
  isExpired(item: Item): boolean {
    const ttl = item[TABLE_SCHEMA.ttlAttribute];
    return typeof ttl === 'number' && ttl <= this.nowEpochSeconds();
  }

  async get<T>(key: ItemKey, parse: Parse<T>): Promise<T | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item && !this.isExpired(result.Item) ? parse(result.Item) : undefined;
  }

  /**
   * Reads several items in one BatchGetItem, consistently (one round trip instead of one per
   * item); each is undefined when absent or expired, in the order of `reads`. Keys DynamoDB
   * leaves unprocessed are asked again after a jittered backoff ({@link sendUntilProcessed}).
   */
  async getAll<const R extends readonly ItemRead<unknown>[]>(reads: R): Promise<ReadValues<R>> {
    const unique = new Map(reads.map((read) => [keyText(read.key), read.key]));
    const found = new Map<string, Item>();
    await sendUntilProcessed([...unique.values()], BATCH_GET_KEYS, async (pending) => {
      const result = await this.doc.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) {
        const key = {
          [TABLE_SCHEMA.partitionKey]: item[TABLE_SCHEMA.partitionKey],
          [TABLE_SCHEMA.sortKey]: item[TABLE_SCHEMA.sortKey],
        };
        found.set(keyText(key), item);
      }
      return (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as ItemKey[];
    });
    return reads.map((read) => {
      const item = found.get(keyText(read.key));
      return item && !this.isExpired(item) ? read.parse(item) : undefined;
    }) as ReadValues<R>;
  }

  /**
   * Runs writes atomically. A failed condition surfaces as {@link ConditionFailed} naming the
   * item, so callers can tell "name taken" from "changed since read". A transaction cancelled
   * because another one on the same items was in flight applied nothing, so it is sent again: up to `conflictAttempts` times in all when
   * given, otherwise for up to {@link CONFLICT_RETRY_BUDGET_MS}.
   */
  async transact(items: TransactItem[], options: { conflictAttempts?: number } = {}): Promise<void> {
    try {
      await this.#sendRetryingConflicts(items, options.conflictAttempts);
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const index = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (index >= 0) throw new ConditionFailed(index, reasons[index]?.Item);
      }
      throw error;
    }
  }

  async #sendRetryingConflicts(items: TransactItem[], attempts: number | undefined): Promise<void> {
    await retryingConflicts(
      () => this.doc.send(new TransactWriteCommand({ TransactItems: items })),
      attempts,
    );
  }

  put(item: Item, condition?: string, values?: Item): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: item,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(values ? { ExpressionAttributeValues: values } : {}),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  delete(key: ItemKey, condition?: string, values?: Item): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: key,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(values ? { ExpressionAttributeValues: values } : {}),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** The transaction item of an update (see {@link ItemUpdate}). */
  update(key: ItemKey, update: ItemUpdate): TransactItem {
    return { Update: { TableName: this.tableName, Key: key, ...updateExpression(update) } };
  }

  /**
   * Sends a single-item write, again after a jittered pause while DynamoDB refuses it because a
   * transaction on the item is in flight (`TransactionConflictException`, which the SDK does not
   * retry; the refused write applied nothing).
   */
  async #sendWrite(
    command: PutCommand | UpdateCommand | DeleteCommand,
  ): Promise<{ readonly Attributes?: Item }> {
    // Each command's output holds the attributes asked for (none unless ReturnValues says so).
    return await retryingConflicts(() => this.doc.send(command as UpdateCommand), undefined);
  }

  /** Deletes one item on its own (absent already: nothing happens). */
  async deleteItem(key: ItemKey): Promise<void> {
    await this.#sendWrite(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }

  /** Writes one item on its own; a failed condition throws DynamoDB's ConditionalCheckFailedException. */
  async write(item: Item, condition?: WriteCondition): Promise<void> {
    await this.#sendWrite(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ...(condition
          ? {
              ConditionExpression: condition.expression,
              ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
              ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
            }
          : {}),
      }),
    );
  }

  /** Writes one item if `condition` holds: false when it did not. */
  async writeIf(item: Item, condition: WriteCondition): Promise<boolean> {
    return await falseWhenConditionFails(this.write(item, condition));
  }

  /** Updates one item if the update's condition holds: false when it did not. */
  async updateIf(key: ItemKey, update: ItemUpdate): Promise<boolean> {
    return await falseWhenConditionFails(
      this.#sendWrite(
        new UpdateCommand({ TableName: this.tableName, Key: key, ...updateExpression(update) }),
      ),
    );
  }

  /** Updates one item and returns it as it is afterwards; undefined when the update's condition did not hold. */
  async updateReturning(key: ItemKey, update: ItemUpdate): Promise<Item | undefined> {
    try {
      const result = await this.#sendWrite(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          ...updateExpression(update),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }

  /** Sets the given fields of an existing item (refuses to create it). */
  async setFields(key: ItemKey, changes: Record<string, unknown>): Promise<void> {
    await this.#sendWrite(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        ...updateExpression({ set: changes, condition: `attribute_exists(${TABLE_SCHEMA.partitionKey})` }),
      }),
    );
  }

  /**
   * Every item of an entity whose `status` is one of `statuses`, across tenants: a Scan, for the
   * local runtime's start-up only (finding work a crash left unfinished).
   */
  async scanByStatus<T>(
    entity: { readonly name: string; readonly parse: Parse<T> },
    statuses: readonly string[],
  ): Promise<T[]> {
    const values: Record<string, unknown> = { ':entity': entity.name };
    statuses.forEach((status, index) => {
      values[`:s${index}`] = status;
    });
    const items = await this.scanAll({
      FilterExpression: `#entity = :entity AND #status IN (${statuses.map((_, index) => `:s${index}`).join(', ')})`,
      ExpressionAttributeNames: { '#entity': TABLE_SCHEMA.entityAttribute, '#status': 'status' },
      ExpressionAttributeValues: values,
    });
    return items.filter((item) => !this.isExpired(item)).map(entity.parse);
  }

  /** Every item a Scan matches (background jobs only: never on a request path). */
  async scanAll(
    input: Pick<
      ConstructorParameters<typeof ScanCommand>[0],
      'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues' | 'ProjectionExpression'
    >,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Every item a query matches, following DynamoDB's pages (strongly consistent; for bounded sets). */
  async queryAll<T>(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    parse: Parse<T>,
  ): Promise<T[]> {
    const items: Item[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.map(parse);
  }

  /**
   * One page of a query. `accept` filters the parsed values (after TTL filtering); the page is
   * filled up to `limit` across DynamoDB pages, and the cursor points just after the last item
   * returned, so nothing is skipped or repeated.
   */
  async queryPage<T>(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>,
    options: {
      scope: string;
      limit: number;
      cursor?: string;
      parse: Parse<T>;
      accept?: (value: T) => boolean;
    },
  ): Promise<Page<T>> {
    const values: T[] = [];
    let last: Item | undefined;
    let startKey: StartKey | undefined = options.cursor
      ? this.cursors.decode(options.scope, options.cursor)
      : undefined;
    // Unfiltered queries read exactly one more than needed; filtered ones read in larger gulps.
    const gulp = options.accept ? Math.max(200, options.limit * 4) : options.limit + 1;
    for (;;) {
      const result = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.tableName, Limit: gulp, ExclusiveStartKey: startKey }),
      );
      for (const item of result.Items ?? []) {
        if (this.isExpired(item)) continue;
        const value = options.parse(item);
        if (options.accept && !options.accept(value)) continue;
        if (last && values.length === options.limit) {
          return {
            items: values,
            nextCursor: this.cursors.encode(options.scope, startKeyOf(last, input.IndexName)),
          };
        }
        values.push(value);
        last = item;
      }
      if (!result.LastEvaluatedKey) return { items: values };
      startKey = result.LastEvaluatedKey as StartKey;
    }
  }
}

/** The start key DynamoDB continues after `item` with: the table's keys, and the index's when one was queried. */
function startKeyOf(item: Item, indexName: string | undefined): StartKey {
  const names: string[] = [TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey];
  if (indexName !== undefined) {
    if (!isIndexName(indexName)) throw new Error(`the table declares no index ${indexName}`);
    const index = TABLE_SCHEMA.indexes[indexName];
    names.push(index.partitionKey, index.sortKey);
  }
  const key: StartKey = {};
  for (const name of names) {
    const value = item[name];
    if (typeof value !== 'string')
      throw new Error(`an item read from ${indexName ?? 'the table'} has no ${name}`);
    key[name] = value;
  }
  return key;
}

function updateExpression(update: ItemUpdate) {
  const names: Record<string, string> = { ...update.names };
  const values: Record<string, unknown> = { ...update.values };
  let next = 0;
  const placeholders = (field: string, value: unknown) => {
    const name = `#u${next}`;
    const placeholder = `:u${next++}`;
    names[name] = field;
    values[placeholder] = value;
    return [name, placeholder] as const;
  };
  const sets = [
    ...Object.entries(update.set ?? {}).map(([field, value]) => {
      const [name, placeholder] = placeholders(field, value);
      return `${name} = ${placeholder}`;
    }),
    ...Object.entries(update.setIfAbsent ?? {}).map(([field, value]) => {
      const [name, placeholder] = placeholders(field, value);
      return `${name} = if_not_exists(${name}, ${placeholder})`;
    }),
  ];
  const adds = Object.entries(update.add ?? {}).map(([field, value]) => {
    const [name, placeholder] = placeholders(field, value);
    return `${name} ${placeholder}`;
  });
  const removes = (update.remove ?? []).map((field) => {
    const name = `#u${next++}`;
    names[name] = field;
    return name;
  });
  return {
    UpdateExpression: [
      sets.length ? `SET ${sets.join(', ')}` : '',
      adds.length ? `ADD ${adds.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' '),
    ...(update.condition ? { ConditionExpression: update.condition } : {}),
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}

async function falseWhenConditionFails(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}

/**
 * DynamoDB refused a single write's condition. Checked by name as well as class: a client built
 * from another copy of the SDK (a bundled function handed a client) throws its own class.
 */
function isConditionalCheckFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}

/**
 * How long a write refused for conflicts is sent again. A conflict lasts as long as the other
 * transaction DynamoDB is processing (milliseconds); the budget rides out a burst of them on one
 * item (DynamoDB Local, serving one request at a time, holds an item far longer under load) and
 * stays well inside a step's timeout.
 */
const CONFLICT_RETRY_BUDGET_MS = 5_000;

/**
 * A transaction on the same items was in flight: DynamoDB cancelled this transaction with
 * `TransactionConflict`, or refused this single write with `TransactionConflictException`.
 */
export function isTransactionConflict(error: unknown): boolean {
  if (error instanceof Error && error.name === 'TransactionConflictException') return true;
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict')
  );
}

/**
 * Sends again, after a jittered pause (the backoff of unprocessed batch writes), what a conflict
 * refused: up to `attempts` times in all, or while the next try starts within the budget.
 */
async function retryingConflicts<T>(send: () => Promise<T>, attempts: number | undefined): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const pause = retryDelayMs(attempt, Math.random(), 5, 200);
      const spent =
        attempts !== undefined
          ? attempt >= attempts
          : Date.now() - started + pause > CONFLICT_RETRY_BUDGET_MS;
      if (!isTransactionConflict(error) || spent) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
