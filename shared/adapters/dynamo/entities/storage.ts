import { z } from 'zod';
import {
  STORAGE_TREND_DAYS,
  type StorageEpisode,
  type StorageRecord,
  type StorageReservation,
  type StorageTrendPoint,
} from '#shared/domain/storage/storage.ts';
import { daysAfter, defineEntity, tenantPartition } from '../entity.ts';

interface StorageKey {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly storage: string;
  readonly node: string;
}

const figures = {
  total: z.number(),
  used: z.number(),
  avail: z.number(),
  active: z.boolean(),
};

const storageSchema: z.ZodType<StorageRecord> = z.object({
  tenantId: z.string(),
  clusterId: z.string(),
  storage: z.string(),
  node: z.string(),
  nodes: z.array(z.string()),
  type: z.string(),
  content: z.array(z.string()),
  shared: z.boolean(),
  enabled: z.boolean(),
  syncedAt: z.string(),
  vmstateBytes: z.number().optional(),
  vmstates: z.number().optional(),
  ...figures,
});

/** A cluster's storage per node (a shared one once), as the last inventory sync saw it. */
export const storageEntity = defineEntity({
  name: 'storage',
  schema: storageSchema,
  key: (s: StorageKey) => ({
    pk: tenantPartition(s.tenantId),
    sk: `STORAGE#${s.clusterId}#${s.storage}#${s.node}`,
  }),
  /** A cluster's storages. */
  collection: (s: { tenantId: string; clusterId: string }) => ({
    pk: tenantPartition(s.tenantId),
    skPrefix: `STORAGE#${s.clusterId}#`,
  }),
});

const trendSchema: z.ZodType<StorageTrendPoint> = z.object({
  tenantId: z.string(),
  clusterId: z.string(),
  storage: z.string(),
  node: z.string(),
  day: z.string(),
  ...figures,
});

/** One day's figures of a storage, in the storage's own partition (a plot reads one Query); kept 90 days. */
export const storageTrendEntity = defineEntity({
  name: 'storage-trend',
  schema: trendSchema,
  key: (p: StorageKey & { day: string }) => ({
    pk: `${tenantPartition(p.tenantId)}#STORAGE#${p.clusterId}#${p.storage}`,
    sk: `${p.day}#${p.node}`,
  }),
  collection: (s: { tenantId: string; clusterId: string; storage: string }) => ({
    pk: `${tenantPartition(s.tenantId)}#STORAGE#${s.clusterId}#${s.storage}`,
  }),
  ttl: (point) => daysAfter(`${point.day}T00:00:00Z`, STORAGE_TREND_DAYS + 1),
});

const reservationSchema: z.ZodType<StorageReservation> = z.object({
  tenantId: z.string(),
  runId: z.string(),
  clusterId: z.string(),
  storage: z.string(),
  node: z.string(),
  baseline: z.number(),
  reserved: z.number(),
});

/** Lives as long as a lane (a run lasts 12 h at most). */
const RESERVATION_TTL_DAYS = 14;

/** The storage guard's counter of one run on one storage, in the run's partition. */
export const storageReservationEntity = defineEntity({
  name: 'storage-reservation',
  schema: reservationSchema,
  key: (r: StorageKey & { runId: string }) => ({
    pk: `${tenantPartition(r.tenantId)}#RUN#${r.runId}`,
    sk: `STORAGE#${r.clusterId}#${r.storage}#${r.node}`,
  }),
  ttl: (_reservation, lifetimes) => lifetimes.nowSeconds + RESERVATION_TTL_DAYS * 86_400,
});

const episodeSchema: z.ZodType<StorageEpisode> = z.object({
  tenantId: z.string(),
  clusterId: z.string(),
  storage: z.string(),
  node: z.string(),
  thresholdPercent: z.number(),
  estimate: z.number(),
  openedAt: z.string(),
  runId: z.string(),
});

/**
 * An open episode of a storage above its guard's threshold: written once `storage.threshold` is
 * published, deleted once `storage.recovered` is.
 */
export const storageEpisodeEntity = defineEntity({
  name: 'storage-episode',
  schema: episodeSchema,
  key: (e: StorageKey) => ({
    pk: tenantPartition(e.tenantId),
    sk: `STORAGEGUARD#${e.clusterId}#${e.storage}#${e.node}`,
  }),
  collection: (e: { tenantId: string; clusterId: string }) => ({
    pk: tenantPartition(e.tenantId),
    skPrefix: `STORAGEGUARD#${e.clusterId}#`,
  }),
});
