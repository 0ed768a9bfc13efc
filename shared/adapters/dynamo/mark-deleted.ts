import type { Item } from './entity.ts';
import { ConditionFailed, type TableAccess, type TransactItem } from './table-access.ts';

/**
 * Writes a record as `deleted` in the same transaction as its audit event, unless it is deleted
 * already (a retried step, two deleters at once): then nothing is written and the answer is false.
 * The item carries its TTL, so record, audit and expiry change together.
 */
export async function markDeletedOnce(
  table: TableAccess,
  item: Item,
  audit: TransactItem,
  /**
   * Written with them (the usage counter's change), only while the stored record still has
   * `whileStatus` (the status the change was computed from).
   */
  counted?: { readonly also: readonly TransactItem[]; readonly whileStatus: string },
): Promise<boolean> {
  try {
    await table.transact([
      {
        Put: {
          TableName: table.tableName,
          Item: item,
          ...(counted
            ? {
                ConditionExpression: '#status = :before',
                ExpressionAttributeValues: { ':before': counted.whileStatus },
              }
            : {
                ConditionExpression: 'attribute_not_exists(pk) OR #status <> :deleted',
                ExpressionAttributeValues: { ':deleted': 'deleted' },
              }),
          ExpressionAttributeNames: { '#status': 'status' },
        },
      },
      audit,
      ...(counted?.also ?? []),
    ]);
    return true;
  } catch (error) {
    if (error instanceof ConditionFailed && error.index === 0) return false;
    throw error;
  }
}
