import type { SweepQueue } from '#shared/ports/sweep-queue.ts';
import { forEachTenantPage } from '../daily-sweep.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { checkRpo, type RpoCheckSummary } from './rpo-check.ts';

/** One tenant's RPO check: the unit the check fans out to. */
export interface RpoCheckUnit {
  readonly tenantId: string;
}

/** Starts the scheduled RPO check: one unit per registered tenant (cost grows with the tenants only). */
export async function planRpoCheck(
  deps: ServiceDeps,
  queue: SweepQueue<RpoCheckUnit>,
): Promise<{ tenants: number }> {
  return await forEachTenantPage(deps, (tenantIds) =>
    queue.enqueue(tenantIds.map((tenantId) => ({ tenantId }))),
  );
}

/** The check as the local runtime runs it: the same planner, each tenant checked in turn. */
export async function runRpoCheckEverywhere(
  deps: ServiceDeps,
  onFailed: (tenantId: string, error: unknown) => void,
): Promise<RpoCheckSummary[]> {
  const units: RpoCheckUnit[] = [];
  await planRpoCheck(deps, { enqueue: async (more) => void units.push(...more) });
  const summaries: RpoCheckSummary[] = [];
  for (const { tenantId } of units) {
    try {
      summaries.push(await checkRpo(deps, tenantId));
    } catch (error) {
      onFailed(tenantId, error);
    }
  }
  return summaries;
}
