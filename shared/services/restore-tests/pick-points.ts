import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import {
  MAX_GUESTS_PER_RUN,
  type RecoveryPoint,
  type RestoreTest,
  type RestoreTestItem,
  sampleOf,
} from '#shared/domain/restore-test/restore-test.ts';
import { selectTargets } from '#shared/domain/select-targets.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * The guests a run tests (the selector over the last inventory, exclusions in force, a random
 * sample when asked or when more than a run takes) and each one's newest good recovery point of
 * the test's kind: a `created` snapshot record, or a `created` backup archive.
 */
export async function pickRecoveryPoints(
  deps: ServiceDeps,
  test: RestoreTest,
  random: () => number = Math.random,
): Promise<RestoreTestItem[]> {
  const guests = await readAllPages<Guest>((cursor) =>
    deps.store.guests.list(test.tenantId, { limit: 200, includeGone: true, ...(cursor ? { cursor } : {}) }),
  );
  const exclusions = await readAllPages<Exclusion>((cursor) =>
    deps.store.exclusions.list(test.tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const { targets } = selectTargets(test, guests, exclusions, deps.now());
  const chosen = sampleOf(targets, Math.min(test.sample ?? MAX_GUESTS_PER_RUN, MAX_GUESTS_PER_RUN), random);
  return await Promise.all(
    chosen.map(async (guest): Promise<RestoreTestItem> => {
      const point = await newestPoint(deps, test, guest);
      return {
        guestId: guest.id,
        clusterId: guest.clusterId,
        guestName: guest.name,
        guestType: guest.type,
        node: guest.node,
        vmid: guest.vmid,
        phase: 'pending',
        ...(point ? { point } : {}),
      };
    }),
  );
}

const newestFirst = (a: { createdAt: string }, b: { createdAt: string }) =>
  b.createdAt.localeCompare(a.createdAt);

async function newestPoint(
  deps: ServiceDeps,
  test: RestoreTest,
  guest: Guest,
): Promise<RecoveryPoint | undefined> {
  if (test.source === 'snapshot') {
    const [newest] = (await deps.store.snapshots.list(test.tenantId, guest.id))
      .filter((record) => record.status === 'created')
      .sort(newestFirst);
    return newest ? { kind: 'snapshot', name: newest.name, createdAt: newest.createdAt } : undefined;
  }
  const [newest] = (await deps.store.backups.listForGuest(test.tenantId, guest.id))
    .filter((record) => record.status === 'created' && record.volid !== undefined)
    .sort(newestFirst);
  return newest?.volid
    ? {
        kind: 'backup',
        backupId: newest.id,
        volid: newest.volid,
        storage: newest.storage,
        createdAt: newest.createdAt,
      }
    : undefined;
}
