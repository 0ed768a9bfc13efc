import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StartKey } from './cursor.ts';
import type { Item, KeyQuery } from './entity.ts';
import type { Page, TableAccess } from './table-access.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

interface Sorted<T> {
  readonly sortKey: string;
  readonly value: T;
}

/** One partition of the collection, read in sort order as the merge needs more of it. */
interface Shard<T> {
  readonly query: KeyQuery;
  startKey: StartKey | undefined;
  done: boolean;
  readonly buffer: Sorted<T>[];
}

export interface MergedPageOptions<T> {
  readonly scope: string;
  readonly limit: number;
  readonly cursor?: string;
  readonly parse: (item: Item) => T;
  readonly accept?: (value: T) => boolean;
  /** Descending sort keys (newest first for time-ordered keys). */
  readonly newestFirst: boolean;
}

/**
 * One page of a collection written over several partitions (write sharding), in sort-key order
 * across all of them, as if it were one partition: each partition is queried in order and
 * their heads merged. Sort keys must be unique across the partitions. The cursor holds the sort
 * key of the last item returned; the next page continues every partition after it, so nothing
 * is skipped or repeated. Each query names one partition (`:pk`). DynamoDB takes a start key
 * that no item has, as long as it is in the queried partition and inside the key condition's
 * range; the last sort key returned always is, since every partition is queried over one range.
 */
export async function queryMergedPage<T>(
  table: TableAccess,
  queries: readonly KeyQuery[],
  options: MergedPageOptions<T>,
): Promise<Page<T>> {
  const after = options.cursor ? sortKeyOf(table.cursors.decode(options.scope, options.cursor)) : undefined;
  const shards: Shard<T>[] = queries.map((query) => ({
    query,
    startKey:
      after === undefined
        ? undefined
        : { [TABLE_SCHEMA.partitionKey]: partitionOf(query), [TABLE_SCHEMA.sortKey]: after },
    done: false,
    buffer: [],
  }));
  // Twice an even share: items fall on shards at random, and a shard that runs dry before the
  // page is full costs another round trip, one after the other.
  const gulp = options.accept
    ? Math.max(50, Math.ceil((options.limit * 4) / shards.length))
    : Math.ceil((2 * (options.limit + 1)) / shards.length) + 2;
  const refill = async (shard: Shard<T>) => {
    while (shard.buffer.length === 0 && !shard.done) {
      const result = await table.doc.send(
        new QueryCommand({
          ...shard.query,
          TableName: table.tableName,
          ScanIndexForward: !options.newestFirst,
          Limit: gulp,
          ExclusiveStartKey: shard.startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        if (table.isExpired(item)) continue;
        const value = options.parse(item);
        if (options.accept && !options.accept(value)) continue;
        shard.buffer.push({ sortKey: sortKeyOf(item), value });
      }
      shard.startKey = result.LastEvaluatedKey;
      shard.done = result.LastEvaluatedKey === undefined;
    }
  };
  const merged: Sorted<T>[] = [];
  // One past the page tells whether another page follows.
  while (merged.length <= options.limit) {
    await Promise.all(shards.map(refill));
    let next: Shard<T> | undefined;
    for (const shard of shards) {
      const head = shard.buffer[0];
      const best = next?.buffer[0];
      if (head && (!best || head.sortKey > best.sortKey === options.newestFirst)) next = shard;
    }
    const taken = next?.buffer.shift();
    if (!taken) break;
    merged.push(taken);
  }
  const page = merged.slice(0, options.limit);
  const last = page[page.length - 1];
  return merged.length > options.limit && last
    ? {
        items: page.map((entry) => entry.value),
        nextCursor: table.cursors.encode(options.scope, { [TABLE_SCHEMA.sortKey]: last.sortKey }),
      }
    : { items: page.map((entry) => entry.value) };
}

function sortKeyOf(item: Record<string, unknown>): string {
  const sortKey = item[TABLE_SCHEMA.sortKey];
  if (typeof sortKey !== 'string') throw new Error(`an item or cursor without a ${TABLE_SCHEMA.sortKey}`);
  return sortKey;
}

function partitionOf(query: KeyQuery): string {
  const pk = query.ExpressionAttributeValues?.[':pk'];
  if (typeof pk !== 'string') throw new Error('a merged query names no partition (:pk)');
  return pk;
}
