import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { createStore, type Store } from '#shared/adapters/dynamo/store.ts';
import { ensureTable } from '#shared/local/table-bootstrap.ts';

export interface TestTable {
  readonly tableName: string;
  readonly endpoint: string;
  readonly store: Store;
}

/** A fresh table in the run's DynamoDB Local, so test files never see each other's data. */
export async function createTestTable(options: { now?: () => number } = {}): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `test-${randomUUID()}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  await ensureTable(client, tableName);
  client.destroy();
  const store = createStore({
    doc: createDocumentClient(localClientConfig(endpoint)),
    tableName,
    cursorKey: randomBytes(32),
    ...(options.now ? { now: options.now } : {}),
  });
  return { tableName, endpoint, store };
}
