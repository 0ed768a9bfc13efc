import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { auditEntity } from './entities/audit.ts';
import { runEntity, runResultEntity } from './entities/run.ts';
import { snapshotEntity } from './entities/snapshot.ts';
import type { Item, Lifetimes } from './entity.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

/** The item an earlier item becomes under the current declaration (its TTL kept). */
type Relocation = (item: Item, options: { ttl?: number; lifetimes: Lifetimes }) => Item;

/** The entities whose keys moved out of the tenant's partition (write spreading, issue 13). */
const RELOCATIONS: ReadonlyMap<string, Relocation> = new Map<string, Relocation>([
  [runEntity.name, (item, options) => runEntity.item(runEntity.parse(item), options)],
  [runResultEntity.name, (item, options) => runResultEntity.item(runResultEntity.parse(item), options)],
  [snapshotEntity.name, (item, options) => snapshotEntity.item(snapshotEntity.parse(item), options)],
  [auditEntity.name, (item, options) => auditEntity.item(auditEntity.parse(item), options)],
]);

/**
 * Moves items written under the earlier layout (runs, results and snapshot records in the
 * tenant's partition, audit events in one partition per tenant) to their keys now, each in one
 * transaction (put at the new key unless an item is there already, delete the old one). A Scan:
 * for a table's bootstrap, never a request path. Items already at their keys are left alone, so
 * it can run at every start. Returns how many items moved.
 */
export async function moveToCurrentLayout(doc: DynamoDBDocumentClient, tableName: string): Promise<number> {
  const names = [...RELOCATIONS.keys()];
  const lifetimes: Lifetimes = {
    nowSeconds: Math.floor(Date.now() / 1000),
    historyDays: 400,
    idempotencySeconds: 24 * 3600,
  };
  let moved = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: `#entity IN (${names.map((_, index) => `:e${index}`).join(', ')})`,
        ExpressionAttributeNames: { '#entity': TABLE_SCHEMA.entityAttribute },
        ExpressionAttributeValues: Object.fromEntries(names.map((name, index) => [`:e${index}`, name])),
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const relocate = RELOCATIONS.get(String(item[TABLE_SCHEMA.entityAttribute]));
      const ttl = item[TABLE_SCHEMA.ttlAttribute];
      const target = relocate?.(item, { ...(typeof ttl === 'number' ? { ttl } : {}), lifetimes });
      if (!target || sameKey(target, item)) continue;
      await move(doc, tableName, item, target);
      moved++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return moved;
}

const keyOf = (item: Item) => ({
  [TABLE_SCHEMA.partitionKey]: item[TABLE_SCHEMA.partitionKey],
  [TABLE_SCHEMA.sortKey]: item[TABLE_SCHEMA.sortKey],
});

const sameKey = (a: Item, b: Item) =>
  a[TABLE_SCHEMA.partitionKey] === b[TABLE_SCHEMA.partitionKey] &&
  a[TABLE_SCHEMA.sortKey] === b[TABLE_SCHEMA.sortKey];

async function move(doc: DynamoDBDocumentClient, tableName: string, from: Item, to: Item): Promise<void> {
  try {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: to,
              ConditionExpression: `attribute_not_exists(${TABLE_SCHEMA.partitionKey})`,
            },
          },
          { Delete: { TableName: tableName, Key: keyOf(from) } },
        ],
      }),
    );
  } catch (error) {
    const taken =
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
    if (!taken) throw error;
    // Written at its new key since (the newer item wins): only the old one goes.
    await doc.send(new DeleteCommand({ TableName: tableName, Key: keyOf(from) }));
  }
}
