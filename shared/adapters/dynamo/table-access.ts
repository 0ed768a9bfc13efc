import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CursorCodec, StartKey } from './cursor.ts';
import type { ItemKey } from './keys.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

// biome-ignore lint/suspicious/noExplicitAny: DynamoDB items are untyped until an entity store strips them.
export type Item = Record<string, any>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface Page<T> {
  readonly items: T[];
  /** Present when more items follow; pass it back as `cursor`. */
  readonly nextCursor?: string;
}

/** Thrown when a condition of one item in a transaction failed; `index` says which. */
export class ConditionFailed extends Error {
  readonly index: number;
  readonly item: Item | undefined;

  constructor(index: number, item: Item | undefined) {
    super(`condition of transaction item ${index} failed`);
    this.index = index;
    this.item = item;
    this.name = 'ConditionFailed';
  }
}

/** The table, its client and the helpers every entity store builds on. */
export class TableAccess {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cursors: CursorCodec;
  readonly now: () => number;

  constructor(doc: DynamoDBDocumentClient, tableName: string, cursors: CursorCodec, now: () => number) {
    this.doc = doc;
    this.tableName = tableName;
    this.cursors = cursors;
    this.now = now;
  }

  nowEpochSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** An item is expired once its `ttl` has passed, even if DynamoDB has not deleted it yet. */
  isExpired(item: Item): boolean {
    const ttl = item[TABLE_SCHEMA.ttlAttribute];
    return typeof ttl === 'number' && ttl <= this.nowEpochSeconds();
  }

  async get(key: ItemKey): Promise<Item | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item && !this.isExpired(result.Item) ? result.Item : undefined;
  }

  /**
   * Runs writes atomically. A failed condition surfaces as {@link ConditionFailed} naming the
   * item, so callers can tell "name taken" from "changed since read".
   */
  async transact(items: TransactItem[]): Promise<void> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const index = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (index >= 0) throw new ConditionFailed(index, reasons[index]?.Item as Item | undefined);
      }
      throw error;
    }
  }

  put(item: Item, condition?: string): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: item,
        ...(condition ? { ConditionExpression: condition } : {}),
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

  /**
   * Every item of an entity whose `status` is one of `statuses`, across tenants: a Scan, for the
   * local runtime's start-up only (finding work a crash left unfinished).
   */
  async scanByStatus(entity: string, statuses: readonly string[]): Promise<Item[]> {
    const items: Item[] = [];
    const values: Record<string, unknown> = { ':entity': entity };
    statuses.forEach((status, index) => {
      values[`:s${index}`] = status;
    });
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: `entity = :entity AND #status IN (${statuses.map((_, index) => `:s${index}`).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).filter((item) => !this.isExpired(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Sets the given fields of an existing item (refuses to create it). */
  async setFields(key: ItemKey, changes: Record<string, unknown>): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(changes).map(([field, value]) => {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      return `#${field} = :${field}`;
    });
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  /** Every item a query matches, following DynamoDB's pages (strongly consistent; for bounded sets). */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
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
    return items;
  }

  /**
   * One page of a query. `accept` filters in code (after TTL filtering); the page is filled up
   * to `limit` across DynamoDB pages, and the cursor points just after the last item returned,
   * so nothing is skipped or repeated.
   */
  async queryPage(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>,
    options: {
      scope: string;
      limit: number;
      cursor?: string;
      keyOf: (item: Item) => StartKey;
      accept?: (item: Item) => boolean;
    },
  ): Promise<Page<Item>> {
    const items: Item[] = [];
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
        if (this.isExpired(item) || (options.accept && !options.accept(item))) continue;
        if (items.length === options.limit) {
          const last = items[items.length - 1] as Item;
          return { items, nextCursor: this.cursors.encode(options.scope, options.keyOf(last)) };
        }
        items.push(item);
      }
      if (!result.LastEvaluatedKey) return { items };
      startKey = result.LastEvaluatedKey as StartKey;
    }
  }
}

/** Removes the table's bookkeeping attributes from an item before it leaves the store. */
export function stripKeys<T>(item: Item): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g1s, ttl: _ttl, entity: _entity, ...rest } = item;
  return rest as T;
}

export const baseKey = (item: Item): StartKey => ({ pk: item.pk as string, sk: item.sk as string });
export const byResourceKey = (item: Item): StartKey => ({
  pk: item.pk as string,
  sk: item.sk as string,
  gsi1pk: item.gsi1pk as string,
  gsi1sk: item.gsi1sk as string,
});
