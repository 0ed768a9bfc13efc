import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { moveToCurrentLayout } from '#shared/adapters/dynamo/layout-migration.ts';
import { createTableInput, TABLE_SCHEMA } from '#shared/adapters/dynamo/table-schema.ts';

/**
 * Creates the table from the shared declaration, or brings an existing local table up to it
 * (missing indexes are added, TTL is switched on, items of an earlier key layout are moved to
 * their keys now). In AWS, CDK does this from the same declaration.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<'created' | 'migrated' | 'current'> {
  const wanted = createTableInput(tableName);
  let outcome: 'created' | 'migrated' | 'current' = 'current';
  let existing: Set<string>;
  try {
    const description = await client.send(new DescribeTableCommand({ TableName: tableName }));
    existing = new Set(
      (description.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? ''),
    );
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(wanted));
    existing = new Set((wanted.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? ''));
    outcome = 'created';
  }
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName ?? '')) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    outcome = 'migrated';
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
      }),
    );
  }
  if (outcome !== 'created') {
    const moved = await moveToCurrentLayout(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
    );
    if (moved > 0) outcome = 'migrated';
  }
  return outcome;
}
