import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { Guest } from '#shared/domain/guest.ts';
import type { Plan, PlanFeature, QuotaName } from '#shared/domain/plans/plan.ts';
import { mapWithLimit, READS_IN_FLIGHT } from '../map-with-limit.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { tenantPlan } from './tenant-plan.ts';
import {
  coveredGuests,
  heldSnapshots,
  listClusters,
  listPolicies,
  tenantBackupBytes,
} from './tenant-usage.ts';

/** One quota: the tenant's use against its plan's limit (null: unlimited). */
interface QuotaUsage {
  readonly used: number;
  readonly limit: number | null;
  /** Over the limit (after a downgrade): nothing is deleted, new work of this kind is refused. */
  readonly exceeded: boolean;
  /** For a per-guest or per-storage quota: the guest or storage with the most (what `used` is). */
  readonly where?: string;
}

export interface UsageReport {
  readonly plan: string;
  readonly features: Readonly<Record<PlanFeature, boolean>>;
  readonly minScheduleIntervalMinutes: number;
  readonly maxRetention: number | null;
  readonly quotas: Readonly<Record<QuotaName, QuotaUsage>>;
  /** Bytes of archives per storage, for the per-storage quota. */
  readonly backupBytesByStorage: ReadonlyArray<{ readonly storage: string; readonly bytes: number }>;
}

const usage = (used: number, limit: number | null, where?: string): QuotaUsage => ({
  used,
  limit,
  exceeded: limit !== null && used > limit,
  ...(where !== undefined ? { where } : {}),
});

/** The largest entry of a map, as `[key, value]`; `['', 0]` for none. */
function largest(entries: Iterable<[string, number]>): [string, number] {
  let top: [string, number] = ['', 0];
  for (const entry of entries) if (entry[1] > top[1]) top = entry;
  return top;
}

/**
 * The tenant's use of each quota of its plan, counted as the checks count it: clusters,
 * policies, guests its enabled policies cover now, the snapshots the service holds of its
 * fullest guest, bytes of its existing archives in total and on its fullest storage.
 */
export async function usageReport(deps: ServiceDeps, context: AuditContext): Promise<UsageReport> {
  const tenantId = context.principal.tenantId;
  const { name, plan }: { name: string; plan: Plan } = await tenantPlan(deps, tenantId);
  const [clusters, policies, bytes, guests] = await Promise.all([
    listClusters(deps, tenantId),
    listPolicies(deps, tenantId),
    tenantBackupBytes(deps, tenantId),
    readAllPages<Guest>((cursor) =>
      deps.store.guests.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
    ),
  ]);
  const covered = await coveredGuests(deps, tenantId, policies);
  const held = await mapWithLimit(
    guests,
    READS_IN_FLIGHT,
    async (guest): Promise<[string, number]> => [
      guest.id,
      heldSnapshots(await deps.store.snapshots.list(tenantId, guest.id)),
    ],
  );
  const [fullestGuest, mostSnapshots] = largest(held);
  const [fullestStorage, mostBytes] = largest(bytes.byStorage);
  const { quotas } = plan;
  return {
    plan: name,
    features: plan.features,
    minScheduleIntervalMinutes: plan.minScheduleIntervalMinutes,
    maxRetention: plan.maxRetention,
    quotas: {
      clusters: usage(clusters.length, quotas.clusters),
      policies: usage(policies.length, quotas.policies),
      guestsCovered: usage(covered.size, quotas.guestsCovered),
      snapshotsPerGuest: usage(mostSnapshots, quotas.snapshotsPerGuest, fullestGuest || undefined),
      backupBytes: usage(bytes.total, quotas.backupBytes),
      backupBytesPerStorage: usage(mostBytes, quotas.backupBytesPerStorage, fullestStorage || undefined),
    },
    backupBytesByStorage: [...bytes.byStorage].map(([storage, total]) => ({ storage, bytes: total })),
  };
}
