import { fromStepCause } from '#shared/domain/error-registry.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { StorageEpisode, StorageRecord } from '#shared/domain/storage/storage.ts';
import { decideStorageGuard, type GuardTrip, percentOf } from '#shared/domain/storage/storage-guard.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** What the record step knows of a guest the guard skipped. */
interface SkippedGuest {
  readonly item: { readonly tenantId: string; readonly runId: string; readonly policyId: string };
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** The trip a StorageGuardError carried across the connector's invocation. */
function tripOf(error: SkippedGuest['error']): { trip: GuardTrip; message: string } | undefined {
  if (error?.Error !== 'StorageGuardError' || !error.Cause) return undefined;
  const serialized = fromStepCause(error.Cause);
  const trip = serialized?.fields?.storageGuard as GuardTrip | undefined;
  return trip && typeof trip.storage === 'string' ? { trip, message: serialized?.message ?? '' } : undefined;
}

/**
 * After the guard skipped a guest: `storage.threshold` once per episode. The episode (one per
 * storage, a shared one once) is opened by the first trip; later trips, in this run or the next,
 * find it open and publish nothing until the inventory sync sees room again for the refused
 * write ({@link closeRecoveredEpisodes}). The event's id comes from the storage and the run that
 * opened it, so a retried step publishes the same event.
 */
export async function reportStorageGuardTrip(deps: ServiceDeps, skipped: SkippedGuest): Promise<void> {
  const found = tripOf(skipped.error);
  if (!found) return;
  const { trip, message } = found;
  const { tenantId, runId, policyId } = skipped.item;
  const open = await deps.store.storages.openEpisodes(tenantId, trip.clusterId);
  if (open.some((episode) => episode.storage === trip.storage && episode.node === trip.node)) return;
  const episode: StorageEpisode = {
    tenantId,
    clusterId: trip.clusterId,
    storage: trip.storage,
    node: trip.node,
    thresholdPercent: trip.thresholdPercent,
    estimate: trip.estimate,
    openedAt: new Date(deps.now()).toISOString(),
    runId,
  };
  // Published first: a failed write then publishes the same event id again on the next trip.
  await deps.events.publish([
    domainEvent({
      tenantId,
      type: 'storage.threshold',
      subject: `${trip.clusterId}/${trip.storage}/${trip.node}/${runId}`,
      time: deps.now(),
      policyId,
      data: {
        clusterId: trip.clusterId,
        storage: trip.storage,
        node: trip.node,
        thresholdPercent: trip.thresholdPercent,
        projectedBytes: trip.projected,
        totalBytes: trip.total,
        runId,
        error: message,
      },
    }),
  ]);
  await deps.store.storages.openEpisode(episode);
}

/**
 * Closes, with `storage.recovered`, the episodes of storages the sync found with room again: the
 * write that was refused would now stay within the threshold (a fill just below the threshold
 * that the next archive would pass again is no recovery).
 */
export async function closeRecoveredEpisodes(
  deps: ServiceDeps,
  tenantId: string,
  clusterId: string,
  records: readonly StorageRecord[],
): Promise<number> {
  const open = await deps.store.storages.openEpisodes(tenantId, clusterId);
  let closed = 0;
  for (const episode of open) {
    const record = records.find((r) => r.storage === episode.storage && r.node === episode.node);
    // Gone from the cluster, or room again for the write that was refused: the episode is over.
    const fits =
      !record ||
      (record.active &&
        record.total > 0 &&
        decideStorageGuard({
          thresholdPercent: episode.thresholdPercent,
          storage: record,
          baseline: 0,
          reserved: 0,
          estimate: episode.estimate,
        }).allowed);
    if (!fits) continue;
    await deps.events.publish([
      domainEvent({
        tenantId,
        type: 'storage.recovered',
        subject: `${clusterId}/${episode.storage}/${episode.node}/${episode.runId}`,
        time: deps.now(),
        data: {
          clusterId,
          storage: episode.storage,
          node: episode.node,
          thresholdPercent: episode.thresholdPercent,
          openedAt: episode.openedAt,
          ...(record
            ? {
                usedBytes: record.used,
                totalBytes: record.total,
                percent: percentOf(record.used, record.total),
              }
            : {}),
        },
      }),
    ]);
    await deps.store.storages.closeEpisode(episode);
    closed++;
  }
  return closed;
}
