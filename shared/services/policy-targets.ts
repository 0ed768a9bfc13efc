import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { CONTAINER_MEMORY_NOTE } from '#shared/domain/run.ts';
import { EXCLUSION_REASONS, selectTargets } from '#shared/domain/select-targets.ts';
import { getPolicy } from './policies.ts';
import type { ServiceDeps } from './service-deps.ts';

/** Why a guest is not a target: the selection's reasons, and `cluster-deleted` for guests of a removed cluster. */
export const NOT_INCLUDED_REASONS = [...EXCLUSION_REASONS, 'cluster-deleted'] as const;
type NotIncludedReason = (typeof NOT_INCLUDED_REASONS)[number];

export interface PolicyTargets {
  /** With a `note` where the policy does not apply as written (includeMemory on a container). */
  readonly targets: Array<Guest & { readonly note?: string }>;
  readonly notIncluded: Array<{
    readonly guest: Guest;
    readonly reason: NotIncludedReason;
    readonly detail?: string;
  }>;
}

/**
 * The guests the policy would snapshot now (from the last inventory), and why each other guest
 * is not included. A guest the policy selects whose cluster was removed is reported as
 * `cluster-deleted` (rather than plain `gone`, or a target if its removal was interrupted).
 */
export async function policyTargets(
  deps: ServiceDeps,
  context: AuditContext,
  policyId: string,
): Promise<PolicyTargets> {
  const policy = await getPolicy(deps, context, policyId);
  const tenantId = context.principal.tenantId;
  const guests = await readAllPages<Guest>((cursor) =>
    deps.store.guests.list(tenantId, { limit: 200, includeGone: true, ...(cursor ? { cursor } : {}) }),
  );
  const exclusions = await readAllPages<Exclusion>((cursor) =>
    deps.store.exclusions.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const clusters = await readAllPages<Cluster>((cursor) =>
    deps.store.clusters.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const existing = new Set(clusters.map((cluster) => cluster.id));
  const { targets, left } = selectTargets(policy, guests, exclusions, deps.now());
  const clusterDeleted = (guest: Guest) => ({
    guest,
    reason: 'cluster-deleted' as const,
    detail: `its cluster ${guest.clusterId} was deleted`,
  });
  const note = (guest: Guest) =>
    policy.snapshot.includeMemory && guest.type === 'lxc' ? { ...guest, note: CONTAINER_MEMORY_NOTE } : guest;
  return {
    targets: targets.filter((guest) => existing.has(guest.clusterId)).map(note),
    notIncluded: [
      ...left.map((entry) =>
        entry.reason === 'gone' && !existing.has(entry.guest.clusterId) ? clusterDeleted(entry.guest) : entry,
      ),
      ...targets.filter((guest) => !existing.has(guest.clusterId)).map(clusterDeleted),
    ],
  };
}
