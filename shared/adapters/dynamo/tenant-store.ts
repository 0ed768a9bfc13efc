import { BoundedCache } from '#shared/domain/bounded-cache.ts';
import { tenantEntity } from './entities/tenant.ts';
import { IS_NEW, type ItemRead, type TableAccess } from './table-access.ts';
import { registerTenant } from './tenant-registry.ts';

export interface TenantProfile {
  readonly id: string;
  readonly plan: string;
  /** The tenant's default time zone: a policy created without one gets it. */
  readonly timezone: string;
  /** Whether an inventory sync publishes `guest.unprotected` for a new guest no enabled policy covers. */
  readonly unprotectedGuestEvents: boolean;
  /** The storage guard's threshold (percent) for policies that set none; absent: no guard by default. */
  readonly storageGuardPercent?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** What a new tenant's profile starts with (the operator's plan for new tenants). */
export interface NewTenantDefaults {
  readonly plan: string;
  readonly timezone: string;
}

const STANDARD: NewTenantDefaults = { plan: 'standard', timezone: 'UTC' };

/** Tenant profiles; a tenant comes into being the first time one of its tokens is used. */
export class TenantStore {
  // Bounded: tenant ids come from tokens, and a forgotten one costs only one conditional write.
  readonly #known = new BoundedCache<string, true>(10_000);

  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async get(tenantId: string): Promise<TenantProfile | undefined> {
    const { key, parse } = this.read(tenantId);
    return await this.#table.get(key, parse);
  }

  /** The profile's read, to make with others in one request ({@link TableAccess.getAll}). */
  read(tenantId: string): ItemRead<TenantProfile> {
    return { key: tenantEntity.key({ id: tenantId }), parse: tenantEntity.parse };
  }

  /**
   * Creates the profile if it does not exist yet and registers the tenant; remembered per
   * container to cost two writes. True only for the one call whose conditional write created the
   * profile, however many first requests race: that call applies the tenant's first-use defaults.
   */
  async ensure(tenantId: string, defaults: NewTenantDefaults = STANDARD): Promise<boolean> {
    if (this.#known.get(tenantId)) return false;
    const at = new Date(this.#table.now()).toISOString();
    const profile: TenantProfile = {
      id: tenantId,
      plan: defaults.plan,
      timezone: defaults.timezone,
      unprotectedGuestEvents: false,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    // An existing profile is kept as it is.
    const created = await this.#table.writeIf(tenantEntity.item(profile), IS_NEW);
    // Listed for the daily sweep and the schedule repair (also tenants from before the registry).
    await registerTenant(this.#table, tenantId);
    this.#known.set(tenantId, true);
    return created;
  }

  /** Replaces the profile if it is still at `expectedVersion`: false when another change came first. */
  async replace(profile: TenantProfile, expectedVersion: number): Promise<boolean> {
    return await this.#table.writeIf(tenantEntity.item(profile), {
      expression: '#version = :expected',
      names: { '#version': 'version' },
      values: { ':expected': expectedVersion },
    });
  }
}
