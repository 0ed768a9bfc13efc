import type { StorageUsage, UsageDelta } from '#shared/domain/plans/usage-counter.ts';
import { usageEntity } from './entities/usage.ts';
import type { TableAccess, TransactItem } from './table-access.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

/**
 * The counter's changes for a write's transaction: one update per storage, adding the delta (the
 * first one creates the storage's counter).
 */
export function usageUpdates(
  table: TableAccess,
  tenantId: string,
  deltas: readonly UsageDelta[],
): TransactItem[] {
  return deltas.map((delta) =>
    table.update(usageEntity.key({ tenantId, storage: delta.storage }), {
      add: { bytes: delta.bytes, archives: delta.archives },
      setIfAbsent: { [TABLE_SCHEMA.entityAttribute]: usageEntity.name, tenantId, storage: delta.storage },
    }),
  );
}

/** The tenant's usage counters, one per storage it has archives on. */
export class UsageStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async ofTenant(tenantId: string): Promise<StorageUsage[]> {
    const counters = await this.#table.queryAll(usageEntity.query({ tenantId }), usageEntity.parse);
    return counters.map(({ tenantId: _tenantId, ...usage }) => usage);
  }

  /**
   * Sets the counters to what the catalog says (the daily sweep's correction); a storage the
   * counter has and the catalog no longer has goes to zero.
   */
  async replace(tenantId: string, usage: readonly StorageUsage[]): Promise<void> {
    const stored = await this.ofTenant(tenantId);
    const wanted = new Map(usage.map((entry) => [entry.storage, entry]));
    for (const entry of stored)
      if (!wanted.has(entry.storage))
        wanted.set(entry.storage, { storage: entry.storage, bytes: 0, archives: 0 });
    for (const entry of wanted.values()) await this.#table.write(usageEntity.item({ tenantId, ...entry }));
  }
}
