import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import type { TableAccess } from './table-access.ts';

/** One page of registered tenant ids; `startAfter` is the last id of the previous page. */
export interface TenantIdPage {
  readonly tenantIds: string[];
  readonly startAfter?: string;
}

/**
 * Records that a tenant has clusters, so the daily sweep lists tenants with one Query on the
 * byResource index instead of scanning the table. Idempotent: written again on every inventory sync,
 * which also registers tenants whose clusters came before the registry.
 */
export async function registerTenant(table: TableAccess, tenantId: string): Promise<void> {
  await table.doc.send(
    new PutCommand({
      TableName: table.tableName,
      Item: { ...keys.tenantRegistration(tenantId), entity: 'tenant-registration', tenantId },
    }),
  );
}

/** Registered tenants in id order, `limit` per page (the index is eventually consistent). */
export async function listRegisteredTenants(
  table: TableAccess,
  page: { readonly limit: number; readonly startAfter?: string },
): Promise<TenantIdPage> {
  const partition = keys.tenantsPartition();
  const result = await table.doc.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: 'byResource',
      KeyConditionExpression: page.startAfter ? 'gsi1pk = :pk AND gsi1sk > :after' : 'gsi1pk = :pk',
      ExpressionAttributeValues: {
        ':pk': partition,
        ...(page.startAfter ? { ':after': page.startAfter } : {}),
      },
      ProjectionExpression: 'tenantId',
      Limit: page.limit,
    }),
  );
  const tenantIds = (result.Items ?? []).map((item) => String(item.tenantId));
  const last = tenantIds.at(-1);
  return { tenantIds, ...(result.LastEvaluatedKey && last ? { startAfter: last } : {}) };
}
