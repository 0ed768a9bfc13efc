import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '#shared/adapters/dynamo/batch-write.ts';
import { TABLE_SCHEMA } from '#shared/adapters/dynamo/table-schema.ts';

export interface TtlSweeperOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => number;
  readonly intervalMs?: number;
  /** Items a Scan call evaluates; small, so requests queued behind it wait one short page. */
  readonly pageSize?: number;
  /** Pause between pages, leaving DynamoDB Local's single queue to the service's requests. */
  readonly pauseBetweenPagesMs?: number;
  readonly onSweep?: (deleted: number) => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * Deletes items whose `ttl` has passed, as DynamoDB's TTL process does in AWS (DynamoDB Local
 * accepts the TTL setting but never deletes). Like the real one it runs late, on an interval;
 * reads filter expired items themselves. A Scan is fine here: this is a background job of the
 * local runtime, never a request path. It goes in small pages with pauses between them: DynamoDB
 * Local serves one request at a time, and a whole-table Scan in 1 MB pages of a table near 100,000
 * items held every request of the service behind it for minutes.
 */
export async function sweepExpiredItems(options: TtlSweeperOptions): Promise<number> {
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  let deleted = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await options.doc.send(
      new ScanCommand({
        TableName: options.tableName,
        FilterExpression: '#ttl <= :now',
        ExpressionAttributeNames: {
          '#ttl': TABLE_SCHEMA.ttlAttribute,
          '#pk': TABLE_SCHEMA.partitionKey,
          '#sk': TABLE_SCHEMA.sortKey,
        },
        ExpressionAttributeValues: { ':now': nowSeconds },
        ProjectionExpression: '#pk, #sk',
        ExclusiveStartKey: startKey,
        Limit: options.pageSize ?? 500,
      }),
    );
    const expired = page.Items ?? [];
    await batchWrite(
      options.doc,
      options.tableName,
      expired.map((key) => ({ DeleteRequest: { Key: key } })),
    );
    deleted += expired.length;
    startKey = page.LastEvaluatedKey;
    if (startKey) await new Promise((resolve) => setTimeout(resolve, options.pauseBetweenPagesMs ?? 50));
  } while (startKey);
  return deleted;
}

/**
 * Runs {@link sweepExpiredItems} every `intervalMs` until the returned stop function is called. A
 * sweep longer than the interval is not joined by a second one: the next starts on the first tick
 * after it ended.
 */
export function startTtlSweeper(options: TtlSweeperOptions): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepExpiredItems(options)
      .then((deleted) => options.onSweep?.(deleted))
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs ?? 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
