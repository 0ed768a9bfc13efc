import { randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { playTransactionConflicts } from '#shared/local/dynamo/transaction-conflicts.ts';
import { createTestTable } from '#test/support/dynamo.ts';

async function setUp() {
  const { tableName, endpoint } = await createTestTable();
  const doc = createDocumentClient(localClientConfig(endpoint));
  const conflicts = playTransactionConflicts(doc);
  /** Adds 1 to the counter on `counter` and puts an item `own`, in one transaction. */
  const count = (counter: string, own: string) =>
    doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { pk: 'T', sk: own } } },
          {
            Update: {
              TableName: tableName,
              Key: { pk: 'T', sk: counter },
              UpdateExpression: 'ADD n :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      }),
    );
  return { count, tableName, doc, conflicts };
}

describe('transaction conflicts in the local runtime (DynamoDB Local has none)', () => {
  it('cancels a transaction on an item another one is writing with TransactionConflict on that action', async () => {
    const { count, conflicts } = await setUp();
    const outcomes = await Promise.allSettled([count('run', 'a'), count('run', 'b')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected']);
    expect(conflicts.played()).toBe(1);
    const error = (outcomes[1] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.CancellationReasons.map((reason: { Code: string }) => reason.Code)).toEqual([
      'None',
      'TransactionConflict',
    ]);
    // Once the first has ended, the item is free again.
    await expect(count('run', 'b')).resolves.toBeDefined();
  });

  it('refuses a single write of an item a transaction is writing with TransactionConflictException', async () => {
    const { count, conflicts, doc, tableName } = await setUp();
    const close = (sk: string) =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: 'T', sk },
          UpdateExpression: 'SET closed = :yes',
          ExpressionAttributeValues: { ':yes': true },
        }),
      );
    const [counted, closedRun, closedOther] = await Promise.allSettled([
      count('run', 'a'),
      close('run'),
      close('other'),
    ]);
    expect([counted.status, closedRun.status, closedOther.status]).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((closedRun as PromiseRejectedResult).reason.name).toBe('TransactionConflictException');
    expect(conflicts.played()).toBe(1);
    // Nothing of the refused write applied; once the transaction ended it goes through.
    await expect(close('run')).resolves.toBeDefined();
  });

  it('lets transactions on different items run at once', async () => {
    const { count } = await setUp();
    const outcomes = await Promise.allSettled([count('run-1', 'a'), count('run-2', 'b')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
  });
});

describe('the table\u2019s transactions under conflicts', () => {
  it('send a transaction cancelled for a conflict again: 10 at once on one counter all land', async () => {
    const { tableName, doc } = await setUp();
    const { table } = createStore({ doc, tableName, cursorKey: randomBytes(32) });
    const counter = { pk: 'T', sk: 'counter' };
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        table.transact([
          table.put({ pk: 'T', sk: `result-${index}` }),
          table.update(counter, { add: { n: 1 } }),
        ]),
      ),
    );
    const stored = await table.get(counter, (item) => item as { n: number });
    expect(stored?.n).toBe(10);
  });

  it('send a single write refused for a conflict again: updates meeting transactions on their item all land', async () => {
    const { tableName, doc, conflicts } = await setUp();
    const { table } = createStore({ doc, tableName, cursorKey: randomBytes(32) });
    const counter = { pk: 'T', sk: 'counter' };
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        index % 2 === 0
          ? table.transact([
              table.put({ pk: 'T', sk: `result-${index}` }),
              table.update(counter, { add: { n: 1 } }),
            ])
          : table.updateIf(counter, { add: { m: 1 } }),
      ),
    );
    const stored = await table.get(counter, (item) => item as { n: number; m: number });
    expect(stored).toMatchObject({ n: 5, m: 5 });
    expect(conflicts.played()).toBeGreaterThan(0);
  });
});
