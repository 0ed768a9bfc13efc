import type {
  StorageEpisode,
  StorageRecord,
  StorageReservation,
  StorageTrendPoint,
} from '#shared/domain/storage/storage.ts';
import { trendPointOf } from '#shared/domain/storage/storage.ts';
import { batchWrite } from './batch-write.ts';
import {
  storageEntity,
  storageEpisodeEntity,
  storageReservationEntity,
  storageTrendEntity,
} from './entities/storage.ts';
import { IS_NEW, type TableAccess } from './table-access.ts';

/** Which storage of which cluster, seen from which node (`*` for a shared one). */
export interface StorageRef {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly storage: string;
  readonly node: string;
}

/** The storage inventory, its daily trend, the guard's per-run counters and its open episodes. */
export class StorageStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async ofCluster(tenantId: string, clusterId: string): Promise<StorageRecord[]> {
    return await this.#table.queryAll(storageEntity.query({ tenantId, clusterId }), storageEntity.parse);
  }

  /**
   * Writes a sync's records and each one's point of the day (the day's last sync wins), and
   * removes the records of storages the cluster no longer lists.
   */
  async replaceCluster(
    tenantId: string,
    clusterId: string,
    records: readonly StorageRecord[],
  ): Promise<void> {
    const before = await this.ofCluster(tenantId, clusterId);
    const kept = new Set(records.map((r) => `${r.storage}#${r.node}`));
    const lifetimes = this.#table.lifetimes();
    await batchWrite(this.#table.doc, this.#table.tableName, [
      ...records.map((record) => ({ PutRequest: { Item: storageEntity.item(record) } })),
      ...records.map((record) => ({
        PutRequest: { Item: storageTrendEntity.item(trendPointOf(record), { lifetimes }) },
      })),
      ...before
        .filter((r) => !kept.has(`${r.storage}#${r.node}`))
        .map((r) => ({ DeleteRequest: { Key: storageEntity.key(r) } })),
    ]);
  }

  /** A storage's daily points from `fromDay` (`YYYY-MM-DD`) on, oldest first, every node's. */
  async trend(
    tenantId: string,
    clusterId: string,
    storage: string,
    fromDay: string,
  ): Promise<StorageTrendPoint[]> {
    return await this.#table.queryAll(
      storageTrendEntity.query({ tenantId, clusterId, storage }, { from: fromDay, to: '9999' }),
      storageTrendEntity.parse,
    );
  }

  async reservation(ref: StorageRef & { runId: string }): Promise<StorageReservation | undefined> {
    return await this.#table.get(storageReservationEntity.key(ref), storageReservationEntity.parse);
  }

  /**
   * Adds `bytes` to the run's counter if nobody added since it was read as `seen` (undefined: not
   * there yet): false when another guest of the run got there first (read again and decide again).
   */
  async reserve(
    ref: StorageRef & { runId: string },
    seen: StorageReservation | undefined,
    baseline: number,
    bytes: number,
  ): Promise<boolean> {
    if (!seen) {
      return await this.#table.writeIf(
        storageReservationEntity.item(
          { ...ref, baseline, reserved: bytes },
          { lifetimes: this.#table.lifetimes() },
        ),
        IS_NEW,
      );
    }
    return await this.#table.updateIf(storageReservationEntity.key(ref), {
      add: { reserved: bytes },
      condition: '#reserved = :seen',
      names: { '#reserved': 'reserved' },
      values: { ':seen': seen.reserved },
    });
  }

  async openEpisodes(tenantId: string, clusterId: string): Promise<StorageEpisode[]> {
    return await this.#table.queryAll(
      storageEpisodeEntity.query({ tenantId, clusterId }),
      storageEpisodeEntity.parse,
    );
  }

  /** Opens an episode; false when it is open already (its event was published). */
  async openEpisode(episode: StorageEpisode): Promise<boolean> {
    return await this.#table.writeIf(storageEpisodeEntity.item(episode), IS_NEW);
  }

  async closeEpisode(episode: StorageRef): Promise<void> {
    await this.#table.deleteItem(storageEpisodeEntity.key(episode));
  }
}
