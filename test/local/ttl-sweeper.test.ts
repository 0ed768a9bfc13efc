import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sweepExpiredItems } from '#shared/local/ttl-sweeper.ts';
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
});
