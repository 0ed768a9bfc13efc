import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { computeCoverage, type GuestCoverage } from '#shared/domain/insight/coverage.ts';
import type { RecoveryPoint } from '#shared/domain/insight/rpo.ts';
import type { Policy } from '#shared/domain/policy.ts';
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

/** Each guest's good recovery points: one Query per guest, a bounded number at a time. */
export async function loadRecoveryPoints(
  deps: ServiceDeps,
  tenantId: string,
  guestIds: readonly string[],
): Promise<Map<string, RecoveryPoint[]>> {
  const points = new Map<string, RecoveryPoint[]>();
  let next = 0;
  const worker = async () => {
    while (next < guestIds.length) {
      const guestId = guestIds[next++] as string;
      points.set(guestId, await deps.store.insight.recoveryPoints(tenantId, guestId));
    }
  };
  await Promise.all(Array.from({ length: Math.min(POINT_READS_AT_ONCE, guestIds.length) }, worker));
  return points;
}
