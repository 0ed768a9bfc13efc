import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactItem } from '#shared/adapters/dynamo/table-access.ts';
import { TABLE_SCHEMA } from '#shared/adapters/dynamo/table-schema.ts';

/** A key attribute's value as the document client holds it, or as the low-level client marshals it. */
const text = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'S' in value
    ? String((value as { S: unknown }).S)
    : String(value);

/** The item one action of a transaction writes or checks: its table, partition and sort key. */
function itemOf(action: TransactItem): string {
  const detail = (action.Put ?? action.Update ?? action.Delete ?? action.ConditionCheck) as
    | { TableName?: string; Item?: Record<string, unknown>; Key?: Record<string, unknown> }
    | undefined;
  const key = detail?.Key ?? detail?.Item ?? {};
  return JSON.stringify([
    detail?.TableName ?? '',
    text(key[TABLE_SCHEMA.partitionKey]),
    text(key[TABLE_SCHEMA.sortKey]),
  ]);
}

/** How many transactions the local runtime cancelled for a conflict so far. */
export interface TransactionConflicts {
  played(): number;
}

/**
 * Plays DynamoDB's transaction conflicts, which DynamoDB Local does not: a TransactWriteItems that
 * touches an item another one is still writing is cancelled with `TransactionConflict` on that
 * action (`TransactionCanceledException`), as DynamoDB documents. Without it, transactions on a
 * hot item (a run's counters, written by every guest's result) never conflict locally and fail
 * only in AWS. The window is one attempt's request (inside the SDK's retry loop, as DynamoDB holds
 * an item only while it processes the transaction). Single-item writes that meet a transaction
 * (which DynamoDB refuses with TransactionConflictException) are not played.
 */
export function playTransactionConflicts(doc: DynamoDBDocumentClient): TransactionConflicts {
  const writing = new Set<string>();
  const played = { conflicts: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (!/^TransactWrite(Items)?Command$/.test(String(context.commandName))) return await next(args);
      const actions = ((args.input as { TransactItems?: TransactItem[] }).TransactItems ?? []).map(itemOf);
      if (actions.some((item) => writing.has(item))) {
        played.conflicts++;
        throw new TransactionCanceledException({
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${actions
            .map((item) => (writing.has(item) ? 'TransactionConflict' : 'None'))
            .join(', ')}]`,
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: actions.map((item) =>
            writing.has(item)
              ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
              : { Code: 'None' },
          ),
        });
      }
      for (const item of actions) writing.add(item);
      try {
        return await next(args);
      } finally {
        for (const item of actions) writing.delete(item);
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'localTransactionConflicts', override: true },
  );
  return { played: () => played.conflicts };
}
