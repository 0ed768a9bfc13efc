import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Guest } from '#shared/domain/guest.ts';
import type { Policy } from '#shared/domain/policy.ts';
import type { Run } from '#shared/domain/run.ts';
import type { ServiceDeps } from '../service-deps.ts';

const PAGE = { limit: 200 } as const;
const paging = (cursor?: string) => ({ ...PAGE, ...(cursor ? { cursor } : {}) });

/** Every policy of the tenant. */
export const allPolicies = (deps: ServiceDeps, tenantId: string): Promise<Policy[]> =>
  readAllPages((cursor) => deps.store.policies.list(tenantId, paging(cursor)));

/** Every guest of the tenant, gone ones too (their history stays in the reports). */
export const allGuests = (deps: ServiceDeps, tenantId: string): Promise<Guest[]> =>
  readAllPages((cursor) => deps.store.guests.list(tenantId, { ...paging(cursor), includeGone: true }));

/** The runs whose tick lies in [from, to). */
export async function runsInPeriod(
  deps: ServiceDeps,
  tenantId: string,
  fromMs: number,
  toMs: number,
): Promise<Run[]> {
  const runs = await readAllPages((cursor) =>
    deps.store.runs.list(tenantId, {
      ...paging(cursor),
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
    }),
  );
  return runs.filter((run) => Date.parse(run.scheduledTime) < toMs);
}
