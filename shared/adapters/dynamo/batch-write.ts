import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { retryDelayMs } from '#shared/domain/notifications/backoff.ts';

/** One put or delete of a BatchWriteItem request. */
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** The one call the helper makes (the document client, or a test's fake). */
export interface BatchWriteClient {
  send(command: BatchWriteCommand): Promise<BatchWriteCommandOutput>;
}

export interface BatchWriteOptions {
  /** Requests of one batch of 25, the first included, before giving up. Default 8. */
  readonly maxAttempts?: number;
  /** Wait before the first retry; doubles per retry (jittered in its upper half). Default 50 ms. */
  readonly baseMs?: number;
  /** Longest wait between two requests. Default 2 s. */
  readonly maxMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** DynamoDB still left items unprocessed after every attempt (the table is throttled). */
export class UnprocessedItemsError extends Error {
  readonly unprocessed: number;

  constructor(unprocessed: number, attempts: number) {
    super(
      `DynamoDB left ${unprocessed} items unprocessed after ${attempts} attempts; the table is throttled`,
    );
    this.name = 'UnprocessedItemsError';
    this.unprocessed = unprocessed;
  }
}

const BATCH_SIZE = 25;

/**
 * Sends `items` in batches of `batchSize`, one batch after another; `send` answers what DynamoDB
 * left unprocessed (throttling), which is sent again after an exponential backoff with jitter,
 * as AWS asks: an immediate retry would only be throttled again. Throws
 * {@link UnprocessedItemsError} when a batch is still not through after `maxAttempts`. The one
 * retry mechanism of BatchWriteItem and BatchGetItem.
 */
export async function sendUntilProcessed<T>(
  items: readonly T[],
  batchSize: number,
  send: (batch: T[]) => Promise<T[]>,
  options: BatchWriteOptions = {},
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 8;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  for (let start = 0; start < items.length; start += batchSize) {
    let pending = items.slice(start, start + batchSize);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) throw new UnprocessedItemsError(pending.length, maxAttempts);
      if (attempt > 1)
        await sleep(retryDelayMs(attempt - 1, random(), options.baseMs ?? 50, options.maxMs ?? 2000));
      pending = await send(pending);
    }
  }
}

/**
 * Writes any number of puts and deletes, 25 per BatchWriteItem, one batch after another, sending
 * again what DynamoDB leaves unprocessed ({@link sendUntilProcessed}).
 */
export async function batchWrite(
  client: BatchWriteClient,
  tableName: string,
  requests: readonly WriteRequest[],
  options: BatchWriteOptions = {},
): Promise<void> {
  await sendUntilProcessed(
    requests,
    BATCH_SIZE,
    async (pending) => {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      return result.UnprocessedItems?.[tableName] ?? [];
    },
    options,
  );
}
