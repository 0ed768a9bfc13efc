import { TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactItem } from '#shared/adapters/dynamo/table-access.ts';
import { TABLE_SCHEMA } from '#shared/adapters/dynamo/table-schema.ts';

/** A key attribute's value as the document client holds it, or as the low-level client marshals it. */
const text = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'S' in value
    ? String((value as { S: unknown }).S)
    : String(value);

/** A write's table and key (or whole item, for a put). */
interface WriteRequest {
  readonly TableName?: string;
  readonly Item?: Record<string, unknown>;
  readonly Key?: Record<string, unknown>;
}

/** The item a write request writes or checks: its table, partition and sort key. */
function itemOf(request: WriteRequest | undefined): string {
  const key = request?.Key ?? request?.Item ?? {};
  return JSON.stringify([
    request?.TableName ?? '',
    text(key[TABLE_SCHEMA.partitionKey]),
    text(key[TABLE_SCHEMA.sortKey]),
  ]);
}

/** The item one action of a transaction writes or checks. */
const actionItem = (action: TransactItem): string =>
  itemOf((action.Put ?? action.Update ?? action.Delete ?? action.ConditionCheck) as WriteRequest | undefined);

/** How many transactions (and single writes) the local runtime refused for a conflict so far. */
export interface TransactionConflicts {
  played(): number;
}

const TRANSACTION = /^TransactWrite(Items)?Command$/;
const SINGLE_WRITE = /^(Put|Update|Delete)(Item)?Command$/;

/**
 * Plays DynamoDB's transaction conflicts, which DynamoDB Local does not: a TransactWriteItems that
 * touches an item another one is still writing is cancelled with `TransactionConflict` on that
 * action (`TransactionCanceledException`), as DynamoDB documents. Without it, transactions on a
 * hot item (as a run's counters were while one item took every guest's result) never conflict locally and fail
 * only in AWS. The window is one attempt's request (inside the SDK's retry loop, as DynamoDB holds
 * an item only while it processes the transaction). A single-item write (PutItem, UpdateItem,
 * DeleteItem) of an item a transaction is writing is refused with `TransactionConflictException`,
 * as DynamoDB does; it holds no item itself (DynamoDB names no conflict for a transaction that
 * meets one).
 */
export function playTransactionConflicts(doc: DynamoDBDocumentClient): TransactionConflicts {
  const writing = new Set<string>();
  const played = { conflicts: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      if (SINGLE_WRITE.test(command)) {
        const item = itemOf(args.input as WriteRequest);
        if (writing.has(item)) {
          played.conflicts++;
          throw new TransactionConflictException({
            message: 'Transaction is ongoing for the item',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return await next(args);
      }
      if (!TRANSACTION.test(command)) return await next(args);
      const actions = ((args.input as { TransactItems?: TransactItem[] }).TransactItems ?? []).map(
        actionItem,
      );
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
