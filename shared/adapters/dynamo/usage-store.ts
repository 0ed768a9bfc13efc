import type { StorageUsage, UsageDelta } from '#shared/domain/plans/usage-counter.ts';
import { shareOf, USAGE_COUNTER_SHARES } from './counter-shares.ts';
import { usageEntity } from './entities/usage.ts';
import type { TableAccess, TransactItem } from './table-access.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

/**
 * The counter's changes for a write's transaction: one update per storage, adding the delta to
 * the share of the guest whose archive it is (the first one creates the share).
 */
export function usageUpdates(
  table: TableAccess,
  tenantId: string,
  deltas: readonly UsageDelta[],
  guestId: string,
): TransactItem[] {
  const share = shareOf(guestId, USAGE_COUNTER_SHARES);
  return deltas.map((delta) =>
    table.update(usageEntity.key({ tenantId, storage: delta.storage, share }), {
      add: { bytes: delta.bytes, archives: delta.archives },
      setIfAbsent: {
        [TABLE_SCHEMA.entityAttribute]: usageEntity.name,
        tenantId,
        storage: delta.storage,
        share,
      },
    }),
  );
}

/** The tenant's usage counters, one per storage it has archives on (each summed from its shares). */
export class UsageStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async ofTenant(tenantId: string): Promise<StorageUsage[]> {
    const byStorage = new Map<string, StorageUsage>();
    for (const { storage, bytes, archives } of await this.#shares(tenantId)) {
      const sum = byStorage.get(storage) ?? { storage, bytes: 0, archives: 0 };
      byStorage.set(storage, { storage, bytes: sum.bytes + bytes, archives: sum.archives + archives });
    }
    return [...byStorage.values()];
  }

  /**
   * Sets the counters to what the catalog says (the daily sweep's correction): each storage's
   * figures on its first share, its other shares (and a storage the catalog no longer has) to zero.
   */
  async replace(tenantId: string, usage: readonly StorageUsage[]): Promise<void> {
    type Share = StorageUsage & { share?: number };
    const writes = new Map<string, Share>();
    const place = (entry: Share) => writes.set(`${entry.storage}#${entry.share ?? ''}`, entry);
    for (const { storage, share } of await this.#shares(tenantId))
      place({ storage, bytes: 0, archives: 0, ...(share !== undefined ? { share } : {}) });
    for (const entry of usage) place({ ...entry, share: 0 });
    for (const entry of writes.values()) await this.#table.write(usageEntity.item({ tenantId, ...entry }));
  }

  async #shares(tenantId: string) {
    return await this.#table.queryAll(usageEntity.query({ tenantId }), usageEntity.parse);
  }
}
