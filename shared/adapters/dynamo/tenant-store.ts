import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { BoundedCache } from '#shared/domain/bounded-cache.ts';
import { keys } from './keys.ts';
import { stripKeys, type TableAccess } from './table-access.ts';
import { registerTenant } from './tenant-registry.ts';

export interface TenantProfile {
  readonly id: string;
  readonly plan: string;
  readonly timezone: string;
  readonly createdAt: string;
}

/** Tenant profiles; a tenant comes into being the first time one of its tokens is used. */
export class TenantStore {
  // Bounded: tenant ids come from tokens, and a forgotten one costs only one conditional write.
  readonly #known = new BoundedCache<string, true>(10_000);

  private readonly table: TableAccess;

  constructor(table: TableAccess) {
    this.table = table;
  }

  async get(tenantId: string): Promise<TenantProfile | undefined> {
    const item = await this.table.get(keys.tenant(tenantId));
    return item ? stripKeys<TenantProfile>(item) : undefined;
  }

  /** Creates the profile if it does not exist yet and registers the tenant; remembered per container to cost two writes. */
  async ensure(tenantId: string): Promise<void> {
    if (this.#known.get(tenantId)) return;
    const profile: TenantProfile = {
      id: tenantId,
      plan: 'standard',
      timezone: 'UTC',
      createdAt: new Date(this.table.now()).toISOString(),
    };
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...keys.tenant(tenantId), entity: 'tenant', ...profile },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Listed for the daily sweep and the schedule repair (also tenants from before the registry).
    await registerTenant(this.table, tenantId);
    this.#known.set(tenantId, true);
  }
}
