import type { ProxmoxStorage } from '#shared/domain/proxmox/types.ts';

/**
 * One storage of a cluster as the inventory sync last saw it. A shared storage is one record
 * (`node` = {@link SHARED_NODE}, with the nodes that see it); a local one is one record per node.
 */
export interface StorageRecord {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly storage: string;
  /** The node, or {@link SHARED_NODE} for a shared storage. */
  readonly node: string;
  /** The nodes the storage is listed on. */
  readonly nodes: readonly string[];
  readonly type: string;
  readonly content: readonly string[];
  readonly shared: boolean;
  readonly enabled: boolean;
  readonly active: boolean;
  /** Bytes, as Proxmox reports them (0 while the storage is inactive). */
  readonly total: number;
  readonly used: number;
  readonly avail: number;
  readonly syncedAt: string;
  /** The RAM state volumes of the service's snapshots on it, as the sync found them. */
  readonly vmstateBytes?: number;
  readonly vmstates?: number;
}

/** One day's figures of a storage (the last sync of the day), kept for the trend. */
export interface StorageTrendPoint {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly storage: string;
  readonly node: string;
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  readonly total: number;
  readonly used: number;
  readonly avail: number;
  readonly active: boolean;
}

/** The node a shared storage's record and trend are kept under: one figure, seen from every node. */
export const SHARED_NODE = '*';

/** Days of trend points kept (their TTL). */
export const STORAGE_TREND_DAYS = 90;

/**
 * The records of one sync: every storage per node, a shared storage once (its figures from the
 * first node that has it active: the same storage seen from every node).
 */
export function storageRecords(
  tenantId: string,
  clusterId: string,
  listed: readonly ProxmoxStorage[],
  syncedAt: string,
): StorageRecord[] {
  const records = new Map<string, StorageRecord>();
  for (const entry of listed) {
    const node = entry.node;
    if (node !== undefined) {
      const shared = entry.shared === 1;
      const key = shared ? `${entry.storage}/${SHARED_NODE}` : `${entry.storage}/${node}`;
      const seen = records.get(key);
      const active = entry.active === undefined ? entry.total !== undefined : entry.active === 1;
      const record: StorageRecord = {
        tenantId,
        clusterId,
        storage: entry.storage,
        node: shared ? SHARED_NODE : node,
        nodes: [...(seen?.nodes ?? []), node],
        type: entry.type,
        content: entry.content ? entry.content.split(',').filter(Boolean) : [],
        shared,
        enabled: entry.enabled === undefined ? true : entry.enabled === 1,
        active,
        total: entry.total ?? 0,
        used: entry.used ?? 0,
        avail: entry.avail ?? 0,
        syncedAt,
      };
      // A shared storage keeps the figures of a node that has it active.
      records.set(key, seen && (seen.active || !active) ? { ...seen, nodes: record.nodes } : record);
    }
  }
  return [...records.values()];
}

/** The trend point a record gives for its day. */
export const trendPointOf = (record: StorageRecord): StorageTrendPoint => ({
  tenantId: record.tenantId,
  clusterId: record.clusterId,
  storage: record.storage,
  node: record.node,
  day: record.syncedAt.slice(0, 10),
  total: record.total,
  used: record.used,
  avail: record.avail,
  active: record.active,
});

/** What one run has reserved on one storage: the guard's per-run counter. */
export interface StorageReservation {
  readonly tenantId: string;
  readonly runId: string;
  readonly clusterId: string;
  readonly storage: string;
  readonly node: string;
  /** The storage's `used` at the run's first check on it. */
  readonly baseline: number;
  /** Bytes reserved by the run's guests so far (added to atomically). */
  readonly reserved: number;
}

/** An open episode of a storage above its guard threshold: `storage.threshold` was published for it. */
export interface StorageEpisode {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly storage: string;
  readonly node: string;
  readonly thresholdPercent: number;
  /** The refused write's size: the episode is over once a write of it fits again. */
  readonly estimate: number;
  readonly openedAt: string;
  /** The run whose guest tripped the guard first. */
  readonly runId: string;
}
