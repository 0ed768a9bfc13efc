import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { CONTAINER_MEMORY_NOTE } from '#shared/domain/run.ts';
import { type ExclusionReason, selectTargets } from '#shared/domain/select-targets.ts';
import { getPolicy } from './policies.ts';
import type { ServiceDeps } from './service-deps.ts';

export interface PolicyTargets {
  /** With a `note` where the policy does not apply as written (includeMemory on a container). */
  readonly targets: Array<Guest & { readonly note?: string }>;
  readonly notIncluded: Array<{
    readonly guest: Guest;
    readonly reason: ExclusionReason;
    readonly detail?: string;
  }>;
}

/** The guests the policy would snapshot now (from the last inventory), and why each other guest is not included. */
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
  const { targets, left } = selectTargets(policy, guests, exclusions, deps.now());
  const note = (guest: Guest) =>
    policy.snapshot.includeMemory && guest.type === 'lxc' ? { ...guest, note: CONTAINER_MEMORY_NOTE } : guest;
  return { targets: targets.map(note), notIncluded: left };
}
