import type { CreateTableCommandInput, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';

/**
 * The one declaration of the service's single table. CDK (`infra/`) and the DynamoDB Local
 * bootstrap both build the table from it, so the local table cannot drift from the deployed one.
 * Entities (`entities/`) name the indexes they use from here; a test checks that the table
 * declares exactly the indexes some entity uses.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after it passes (late: reads filter too). */
  ttlAttribute: 'ttl',
  /** The entity name every item carries (`defineEntity` writes and checks it). */
  entityAttribute: 'entity',
  indexes: {
    /**
     * One collection of items outside their base partition, sorted: a resource's audit events,
     * a tenant's runs by time, a guest's operations, a subscription's deliveries by time.
     */
    byResource: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  },
} as const;

export type IndexName = keyof typeof TABLE_SCHEMA.indexes;

export const isIndexName = (name: string): name is IndexName => Object.hasOwn(TABLE_SCHEMA.indexes, name);

/** The CreateTable request for the declared table (on-demand billing, all GSIs projecting ALL). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const attributes = new Set<string>([TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey]);
  const indexes: GlobalSecondaryIndex[] = Object.entries(TABLE_SCHEMA.indexes).map(([name, index]) => {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
    return {
      IndexName: name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    };
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    GlobalSecondaryIndexes: indexes,
  };
}
