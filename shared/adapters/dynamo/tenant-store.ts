import { BoundedCache } from '#shared/domain/bounded-cache.ts';
import { tenantEntity } from './entities/tenant.ts';
import { IS_NEW, type TableAccess } from './table-access.ts';
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

  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async get(tenantId: string): Promise<TenantProfile | undefined> {
    return await this.#table.get(tenantEntity.key({ id: tenantId }), tenantEntity.parse);
  }

  /** Creates the profile if it does not exist yet and registers the tenant; remembered per container to cost two writes. */
  async ensure(tenantId: string): Promise<void> {
    if (this.#known.get(tenantId)) return;
    const profile: TenantProfile = {
      id: tenantId,
      plan: 'standard',
      timezone: 'UTC',
      createdAt: new Date(this.#table.now()).toISOString(),
    };
    // An existing profile is kept as it is.
    await this.#table.writeIf(tenantEntity.item(profile), IS_NEW);
    // Listed for the daily sweep and the schedule repair (also tenants from before the registry).
    await registerTenant(this.#table, tenantId);
    this.#known.set(tenantId, true);
  }
}
