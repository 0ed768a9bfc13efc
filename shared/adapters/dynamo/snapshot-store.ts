import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { snapshotEntity } from './entities/snapshot.ts';
import { markDeletedOnce } from './mark-deleted.ts';
import type { TableAccess, TransactItem } from './table-access.ts';

/**
 * The records of the snapshots the service took (or tried to take), per guest. A policy run
 * writes its record in the same transaction as the run's result (see RunStore.recordResult).
 */
export class SnapshotStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async list(tenantId: string, guestId: string): Promise<SnapshotRecord[]> {
    return await this.#table.queryAll(snapshotEntity.query({ tenantId, guestId }), snapshotEntity.parse);
  }

  async get(tenantId: string, guestId: string, name: string): Promise<SnapshotRecord | undefined> {
    return await this.#table.get(snapshotEntity.key({ tenantId, guestId, name }), snapshotEntity.parse);
  }

  async put(record: SnapshotRecord): Promise<void> {
    await this.#table.write(snapshotEntity.item(record));
  }

  /**
   * Marks a snapshot deleted (by retention) in the same transaction as its audit event. A
   * record already marked deleted (a retried step) is left as it is: returns false.
   */
  async markDeleted(record: SnapshotRecord, audit: TransactItem, ttl: number): Promise<boolean> {
    return await markDeletedOnce(
      this.#table,
      snapshotEntity.item({ ...record, status: 'deleted' }, { ttl }),
      audit,
    );
  }

  async delete(tenantId: string, guestId: string, name: string): Promise<void> {
    await this.#table.deleteItem(snapshotEntity.key({ tenantId, guestId, name }));
  }
}
