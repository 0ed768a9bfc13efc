import type { BatchWriteCommand, BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type BatchWriteClient,
  batchWrite,
  UnprocessedItemsError,
  type WriteRequest,
} from '#shared/adapters/dynamo/batch-write.ts';

const TABLE = 'items';
const puts = (count: number): WriteRequest[] =>
  Array.from({ length: count }, (_, index) => ({ PutRequest: { Item: { pk: 'p', sk: String(index) } } }));

/**
 * A BatchWriteItem that leaves the last `unprocessed` items of a request unprocessed, the first
 * `throttledRounds` times it is called, as a throttled table does; every request is kept.
 */
function throttledClient(throttledRounds: number, unprocessed: number) {
  const requests: WriteRequest[][] = [];
  const client: BatchWriteClient = {
    async send(command: BatchWriteCommand): Promise<BatchWriteCommandOutput> {
      const items = command.input.RequestItems?.[TABLE] ?? [];
      requests.push(items);
      const left = requests.length <= throttledRounds ? items.slice(-unprocessed) : [];
      return { $metadata: {}, ...(left.length ? { UnprocessedItems: { [TABLE]: left } } : {}) };
    },
  };
  return { client, requests };
}

describe('batch writes', () => {
  it('sends unprocessed items again after growing, jittered waits until all are written', async () => {
    const { client, requests } = throttledClient(2, 3);
    const waits: number[] = [];
    await batchWrite(client, TABLE, puts(10), {
      baseMs: 100,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
    });
    // The whole batch, then the 3 left over twice.
    expect(requests.map((request) => request.length)).toEqual([10, 3, 3]);
    expect(requests[1]).toEqual(puts(10).slice(-3));
    expect(waits).toHaveLength(2);
    expect(waits[1] as number).toBeGreaterThan(waits[0] as number);
    // Never an immediate retry: at least half the exponential step, at most the step.
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('spreads the waits with jitter and caps them', async () => {
    const { client } = throttledClient(6, 1);
    const waits: number[] = [];
    const randoms = [0, 1, 0, 1, 0, 1];
    await batchWrite(client, TABLE, puts(1), {
      baseMs: 100,
      maxMs: 400,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => randoms.shift() ?? 0,
    });
    expect(waits).toEqual([50, 200, 200, 400, 200, 400]);
  });

  it('writes more than 25 items in batches of 25', async () => {
    const { client, requests } = throttledClient(0, 0);
    await batchWrite(client, TABLE, puts(60), { sleep: async () => {} });
    expect(requests.map((request) => request.length)).toEqual([25, 25, 10]);
    expect(requests.flat()).toEqual(puts(60));
  });

  it('gives up after the configured attempts, saying how many items are left', async () => {
    const { client, requests } = throttledClient(100, 4);
    const error = await batchWrite(client, TABLE, puts(5), { maxAttempts: 3, sleep: async () => {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnprocessedItemsError);
    expect((error as UnprocessedItemsError).unprocessed).toBe(4);
    expect(requests).toHaveLength(3);
  });

  it('sends nothing for no items', async () => {
    const { client, requests } = throttledClient(0, 0);
    await batchWrite(client, TABLE, []);
    expect(requests).toEqual([]);
  });
});
