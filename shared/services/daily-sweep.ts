import type { LaneRef } from '#shared/domain/lane.ts';
import { reconcileAllTenants } from './reconcile-guests.ts';
import { pruneSweep } from './retention/prune-sweep.ts';
import type { ServiceDeps } from './service-deps.ts';

/**
 * The daily sweep: first reconciles every tenant's snapshot records against Proxmox (so
 * retention decides on what really exists), then starts retention's prune-only lanes.
 */
export async function runDailySweep(
  deps: ServiceDeps,
  startPruneLane: (name: string, lane: LaneRef) => Promise<void>,
) {
  const reconciled = await reconcileAllTenants(deps);
  const pruned = await pruneSweep(deps, startPruneLane);
  return { reconciled, pruned };
}
