import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '#shared/adapters/dynamo/table-schema.ts';

export interface ServiceTableProps {
  /** Keep the table (and refuse deletion) when the stack goes away. Default: true. */
  readonly retain?: boolean;
  /** A second region holding a replica of the table (a global table), for disaster recovery. Default none. */
  readonly replicaRegion?: string;
}

/** The service's single table, built from the same declaration the local runtime uses. */
export class ServiceTable extends Construct {
  public readonly table: TableV2;

  constructor(scope: Construct, id: string, props: ServiceTableProps = {}) {
    super(scope, id);
    const retain = props.retain ?? true;
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      encryption: TableEncryptionV2.awsManagedKey(),
      ...(props.replicaRegion ? { replicas: [{ region: props.replicaRegion }] } : {}),
      globalSecondaryIndexes: Object.entries(TABLE_SCHEMA.indexes).map(([indexName, index]) => ({
        indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      })),
    });
  }
}
