import { GetCommand, PutCommand, type ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { startTtlSweeper, sweepExpiredItems } from '#shared/local/ttl-sweeper.ts';
import { createTestTable } from '#test/support/dynamo.ts';

describe('local TTL sweeper', () => {
  it('deletes items whose ttl has passed and keeps the rest, as DynamoDB TTL does', async () => {
    const { store, tableName } = await createTestTable();
    const doc = store.table.doc;
    const now = Date.parse('2026-06-01T00:00:00Z');
    const nowSeconds = now / 1000;
    const put = (sk: string, ttl?: number) =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: 'TENANT#t', sk, ...(ttl !== undefined ? { ttl } : {}) },
        }),
      );
    for (let index = 0; index < 30; index++) await put(`EXPIRED#${index}`, nowSeconds - 1 - index);
    await put('LATER', nowSeconds + 60);
    await put('FOREVER');
    expect(await sweepExpiredItems({ doc, tableName, now: () => now })).toBe(30);
    const exists = async (sk: string) =>
      (await doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'TENANT#t', sk } }))).Item !==
      undefined;
    expect(await exists('EXPIRED#0')).toBe(false);
    expect(await exists('EXPIRED#29')).toBe(false);
    expect(await exists('LATER')).toBe(true);
    expect(await exists('FOREVER')).toBe(true);
    expect(await sweepExpiredItems({ doc, tableName, now: () => now })).toBe(0);
  });

  it('scans in small pages, so the requests behind it wait one page, and deletes across all of them', async () => {
    const { store, tableName } = await createTestTable();
    const doc = store.table.doc;
    const nowSeconds = Date.parse('2026-06-01T00:00:00Z') / 1000;
    for (let index = 0; index < 25; index++) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: 'TENANT#t', sk: `E#${index}`, ttl: nowSeconds - 1 },
        }),
      );
    }
    const limits: Array<number | undefined> = [];
    const counting = {
      send: (command: ScanCommand) => {
        if (command.constructor.name === 'ScanCommand') limits.push(command.input.Limit);
        return doc.send(command);
      },
    } as unknown as typeof doc;
    const deleted = await sweepExpiredItems({
      doc: counting,
      tableName,
      now: () => nowSeconds * 1000,
      pageSize: 10,
      pauseBetweenPagesMs: 1,
    });
    expect(deleted).toBe(25);
    expect(limits.length).toBeGreaterThanOrEqual(3);
    expect(limits.every((limit) => limit === 10)).toBe(true);
  });

  it('never runs two sweeps at once when one outlasts the interval', async () => {
    let active = 0;
    let most = 0;
    let scans = 0;
    const slow = {
      send: async () => {
        active++;
        most = Math.max(most, active);
        scans++;
        await new Promise((resolve) => setTimeout(resolve, 60));
        active--;
        return { Items: [] };
      },
    } as unknown as Parameters<typeof sweepExpiredItems>[0]['doc'];
    const stop = startTtlSweeper({ doc: slow, tableName: 'any', intervalMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stop();
    expect(scans).toBeGreaterThanOrEqual(2);
    expect(most).toBe(1);
  });
});
