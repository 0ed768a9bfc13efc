import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { bytesOf, usageOf } from '#shared/domain/plans/usage-counter.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { selectTargets } from '#shared/domain/select-targets.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import type { PlanDeps } from './tenant-plan.ts';

const PAGE = 200;

export const listPolicies = (deps: PlanDeps, tenantId: string): Promise<Policy[]> =>
  readAllPages<Policy>((cursor) =>
    deps.store.policies.list(tenantId, { limit: PAGE, ...(cursor ? { cursor } : {}) }),
  );

export const listClusters = (deps: PlanDeps, tenantId: string): Promise<Cluster[]> =>
  readAllPages<Cluster>((cursor) =>
    deps.store.clusters.list(tenantId, { limit: PAGE, ...(cursor ? { cursor } : {}) }),
  );

/**
 * The guests the tenant's enabled policies cover now, decided as runs decide their targets;
 * `replace` stands in for the stored version of one policy (a write being checked).
 */
export async function coveredGuests(
  deps: PlanDeps & { readonly now: () => number },
  tenantId: string,
  policies: readonly Policy[],
): Promise<Set<string>> {
  const enabled = policies.filter((policy) => policy.enabled);
  const covered = new Set<string>();
  if (enabled.length === 0) return covered;
  const guests = await readAllPages<Guest>((cursor) =>
    deps.store.guests.list(tenantId, { limit: PAGE, ...(cursor ? { cursor } : {}) }),
  );
  const exclusions = await readAllPages<Exclusion>((cursor) =>
    deps.store.exclusions.list(tenantId, { limit: PAGE, ...(cursor ? { cursor } : {}) }),
  );
  const candidates = guests.filter((guest) => !guest.template && !guest.gone);
  for (const policy of enabled)
    for (const target of selectTargets(policy, candidates, exclusions, deps.now()).targets)
      covered.add(target.id);
  return covered;
}

/** The snapshots a guest holds that the service took and has not deleted: what its quota counts. */
export const heldSnapshots = (records: readonly SnapshotRecord[]): number =>
  records.filter((record) => record.status === 'created').length;

/**
 * Bytes of the archives the service made for the tenant that still exist, in total and per
 * storage (archives found on a storage, made by someone else, are not the service's use): read
 * from the tenant's usage counter, one Query.
 */
export interface BackupBytes {
  readonly total: number;
  readonly byStorage: ReadonlyMap<string, number>;
}

export async function tenantBackupBytes(deps: PlanDeps, tenantId: string): Promise<BackupBytes> {
  return bytesOf(await deps.store.usage.ofTenant(tenantId));
}

/**
 * Sets the tenant's usage counter to what its catalog holds (the daily sweep, once per tenant):
 * corrects whatever a write outside the counted paths or a crash between them left behind.
 */
export async function reconcileUsageCounter(deps: PlanDeps, tenantId: string): Promise<void> {
  const backups = await readAllPages<BackupRecord>((cursor) =>
    deps.store.backups.list(tenantId, { status: 'created', limit: PAGE, ...(cursor ? { cursor } : {}) }),
  );
  await deps.store.usage.replace(tenantId, usageOf(backups));
}
