import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import {
  SHARED_NODE,
  STORAGE_TREND_DAYS,
  type StorageRecord,
  type StorageTrendPoint,
  storageRecords,
} from '#shared/domain/storage/storage.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import { getCluster } from '../clusters.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { closeRecoveredEpisodes } from './storage-episodes.ts';
import { withVmstates } from './vmstate-sizes.ts';

/**
 * Part of the inventory sync: every node's storages (`listStorages` without a node), stored as
 * one record per storage and node (a shared one once) with the day's trend point, then the
 * guard's episodes of storages now below their threshold closed. A cluster whose storages cannot
 * be listed keeps its last records (the guest sync goes on): false then.
 */
export async function syncClusterStorages(
  deps: ServiceDeps,
  cluster: Cluster,
  syncedAt: string,
): Promise<boolean> {
  let listed: Awaited<ReturnType<typeof listAll>>;
  try {
    listed = await listAll(deps, cluster);
  } catch {
    return false;
  }
  const records = await withVmstates(
    deps,
    cluster,
    storageRecords(cluster.tenantId, cluster.id, listed, syncedAt),
  );
  await deps.store.storages.replaceCluster(cluster.tenantId, cluster.id, records);
  await closeRecoveredEpisodes(deps, cluster.tenantId, cluster.id, records);
  return true;
}

const listAll = (deps: ServiceDeps, cluster: Cluster) =>
  callProxmox(deps.proxmox, {
    tenantId: cluster.tenantId,
    clusterId: cluster.id,
    command: { type: 'listStorages' },
  });

/** What the service itself keeps on a storage: its own archives that exist (never external ones), its RAM states. */
interface ServiceUsage {
  readonly backupBytes: number;
  readonly backups: number;
  readonly vmstateBytes: number;
  readonly vmstates: number;
}

export interface StorageView extends Omit<StorageRecord, 'tenantId'> {
  /** used / total in percent (one decimal); absent without figures. */
  readonly usedPercent?: number;
  readonly serviceUsage: ServiceUsage;
  /** The storage guard's open episode (`storage.threshold` published), if any. */
  readonly guard?: { readonly thresholdPercent: number; readonly since: string; readonly runId: string };
}

/** A cluster's storages as the last sync saw them, with the service's own usage of each. */
export async function listClusterStorages(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
): Promise<StorageView[]> {
  const cluster = await getCluster(deps, context, clusterId);
  const [records, backups, episodes] = await Promise.all([
    deps.store.storages.ofCluster(cluster.tenantId, cluster.id),
    readAllPages((cursor) =>
      deps.store.backups.list(cluster.tenantId, {
        status: 'created',
        limit: 500,
        ...(cursor ? { cursor } : {}),
      }),
    ),
    deps.store.storages.openEpisodes(cluster.tenantId, cluster.id),
  ]);
  const sharedOnes = new Set(records.filter((r) => r.shared).map((r) => r.storage));
  const usage = new Map<string, { backupBytes: number; backups: number }>();
  const states = (record: Pick<StorageRecord, 'vmstateBytes' | 'vmstates'>) => ({
    vmstateBytes: record.vmstateBytes ?? 0,
    vmstates: record.vmstates ?? 0,
  });
  for (const backup of backups) {
    if (backup.clusterId !== cluster.id || backup.origin === 'external') continue;
    // A shared storage is one record; a local one is the node's the archive was written from.
    const key = `${backup.storage}#${sharedOnes.has(backup.storage) ? SHARED_NODE : backup.node}`;
    const entry = usage.get(key) ?? { backupBytes: 0, backups: 0 };
    usage.set(key, { backupBytes: entry.backupBytes + (backup.size ?? 0), backups: entry.backups + 1 });
  }
  return records.map(({ tenantId: _tenant, ...record }) => {
    const episode = episodes.find((e) => e.storage === record.storage && e.node === record.node);
    return {
      ...record,
      ...(record.total > 0 ? { usedPercent: Math.round((record.used / record.total) * 1000) / 10 } : {}),
      serviceUsage: {
        ...(usage.get(`${record.storage}#${record.node}`) ?? { backupBytes: 0, backups: 0 }),
        ...states(record),
      },
      ...(episode
        ? {
            guard: {
              thresholdPercent: episode.thresholdPercent,
              since: episode.openedAt,
              runId: episode.runId,
            },
          }
        : {}),
    };
  });
}

/** A storage's daily points over the last `days` (at most 90), oldest first. */
export async function storageTrend(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
  storage: string,
  days: number = STORAGE_TREND_DAYS,
): Promise<Array<Omit<StorageTrendPoint, 'tenantId' | 'clusterId' | 'storage'>>> {
  const cluster = await getCluster(deps, context, clusterId);
  const known = await deps.store.storages.ofCluster(cluster.tenantId, cluster.id);
  if (!known.some((record) => record.storage === storage)) throw new NotFoundError('storage', storage);
  const from = new Date(deps.now() - (Math.min(days, STORAGE_TREND_DAYS) - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const points = await deps.store.storages.trend(cluster.tenantId, cluster.id, storage, from);
  return points.map(({ tenantId: _t, clusterId: _c, storage: _s, ...point }) => point);
}
