import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { computeCoverage, type GuestCoverage } from '#shared/domain/insight/coverage.ts';
import { classifyPoints } from '#shared/domain/insight/offsite.ts';
import { policyKind } from '#shared/domain/insight/policy-kind.ts';
import type { RecoveryPoint } from '#shared/domain/insight/rpo.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { mapWithLimit } from '../map-with-limit.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** Guests read per page: large pages, as the reports read the whole inventory. */
const PAGE = 1000;
/** Guest partitions queried at once for their recovery points. */
const POINT_READS_AT_ONCE = 32;

export interface Fleet {
  readonly policies: Policy[];
  readonly coverage: GuestCoverage[];
}

/** A tenant's live guests with the policies that cover them now: three Queries' worth of pages. */
export async function loadFleet(deps: ServiceDeps, tenantId: string): Promise<Fleet> {
  const [guests, policies, exclusions] = await Promise.all([
    readAllPages<Guest>((cursor) =>
      deps.store.guests.list(tenantId, { limit: PAGE, ...(cursor ? { cursor } : {}) }),
    ),
    readAllPages<Policy>((cursor) =>
      deps.store.policies.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
    ),
    readAllPages<Exclusion>((cursor) =>
      deps.store.exclusions.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
    ),
  ]);
  return { policies, coverage: computeCoverage(guests, policies, exclusions, deps.now()) };
}

/** The ids of the tenant's off-site copy policies (their archives are `offsite` points). */
export const offsitePolicyIds = (policies: readonly Policy[]): Set<string> =>
  new Set(policies.filter((policy) => policyKind(policy) === 'offsite').map((policy) => policy.id));

/**
 * Each guest's good recovery points, an off-site copy's archives as `offsite`: one Query per
 * guest, a bounded number at a time.
 */
export async function loadRecoveryPoints(
  deps: ServiceDeps,
  tenantId: string,
  guestIds: readonly string[],
  offsite: ReadonlySet<string>,
): Promise<Map<string, RecoveryPoint[]>> {
  return new Map(
    await mapWithLimit(
      guestIds,
      POINT_READS_AT_ONCE,
      async (guestId) =>
        [
          guestId,
          classifyPoints(await deps.store.insight.recoveryPoints(tenantId, guestId), offsite),
        ] as const,
    ),
  );
}
