import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tenantRegistrationEntity } from './entities/tenant.ts';
import type { TableAccess } from './table-access.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

/** One page of registered tenant ids; `startAfter` is the last id of the previous page. */
export interface TenantIdPage {
  readonly tenantIds: string[];
  readonly startAfter?: string;
}

/**
 * Records that a tenant exists, so the daily sweep lists tenants with one Query on the byResource
 * index instead of scanning the table. Idempotent: written again on every inventory sync, which
 * also registers tenants whose clusters came before the registry.
 */
export async function registerTenant(table: TableAccess, tenantId: string): Promise<void> {
  await table.write(tenantRegistrationEntity.item({ tenantId }));
}

/** Registered tenants in id order, `limit` per page (the index is eventually consistent). */
export async function listRegisteredTenants(
  table: TableAccess,
  page: { readonly limit: number; readonly startAfter?: string },
): Promise<TenantIdPage> {
  const all = tenantRegistrationEntity.queryIndex('byResource', {});
  const sortKey = TABLE_SCHEMA.indexes.byResource.sortKey;
  const result = await table.doc.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: all.IndexName,
      // Past the previous page's last id: the index's sort key is the tenant id.
      KeyConditionExpression: page.startAfter
        ? `${all.KeyConditionExpression} AND ${sortKey} > :after`
        : all.KeyConditionExpression,
      ExpressionAttributeValues: {
        ...all.ExpressionAttributeValues,
        ...(page.startAfter ? { ':after': page.startAfter } : {}),
      },
      Limit: page.limit,
    }),
  );
  const tenantIds = (result.Items ?? []).map((item) => tenantRegistrationEntity.parse(item).tenantId);
  const last = tenantIds.at(-1);
  return { tenantIds, ...(result.LastEvaluatedKey && last ? { startAfter: last } : {}) };
}
