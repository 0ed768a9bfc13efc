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
      setIfAbsent: shareFields(tenantId, delta.storage, share),
    }),
  );
}

/** A usage share's own fields, written by whichever write creates it. */
const shareFields = (tenantId: string, storage: string, share: number) => ({
  [TABLE_SCHEMA.entityAttribute]: usageEntity.name,
  tenantId,
  storage,
  share,
});

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
   * difference is added to its first share, in one write per storage that differs, so an archive
   * counted meanwhile by another write is never overwritten and a reader never sees a storage
   * half corrected. A storage the catalog no longer has goes to zero.
   */
  async replace(tenantId: string, usage: readonly StorageUsage[]): Promise<void> {
    const counted = new Map((await this.ofTenant(tenantId)).map((entry) => [entry.storage, entry]));
    const wanted = new Map(usage.map((entry) => [entry.storage, entry]));
    for (const storage of new Set([...counted.keys(), ...wanted.keys()])) {
      const bytes = (wanted.get(storage)?.bytes ?? 0) - (counted.get(storage)?.bytes ?? 0);
      const archives = (wanted.get(storage)?.archives ?? 0) - (counted.get(storage)?.archives ?? 0);
      if (bytes === 0 && archives === 0) continue;
      await this.#table.updateIf(usageEntity.key({ tenantId, storage, share: 0 }), {
        add: { bytes, archives },
        setIfAbsent: shareFields(tenantId, storage, 0),
      });
    }
  }

  async #shares(tenantId: string) {
    return await this.#table.queryAll(usageEntity.query({ tenantId }), usageEntity.parse);
  }
}
