import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { PolicyScheduler } from '#shared/ports/policy-scheduler.ts';
import { registeredTenantPolicies } from './registered-policies.ts';

export interface ScheduleRepair {
  readonly tenants: number;
  /** Enabled policies whose schedule was written again. */
  readonly written: number;
  /** Schedules removed: of disabled policies, and of policies that no longer exist. */
  readonly removed: number;
}

/**
 * Makes the schedules match the table (after a region restore, or to repair drift):
 * 1. for every registered tenant, write the schedule of each enabled policy and remove the
 *    schedule of each disabled one,
 * 2. remove every schedule whose policy the table no longer holds.
 * Writing is idempotent, so the repair can run again after a partial failure.
 */
export async function repairSchedules(deps: {
  readonly store: Store;
  readonly schedules: PolicyScheduler;
}): Promise<ScheduleRepair> {
  const known = new Set<string>();
  let tenants = 0;
  let written = 0;
  let removed = 0;
  for await (const { policies } of registeredTenantPolicies(deps.store)) {
    tenants++;
    for (const policy of policies) {
      known.add(policy.id);
      if (policy.enabled) {
        await deps.schedules.put(policy);
        written++;
      } else {
        await deps.schedules.remove(policy);
        removed++;
      }
    }
  }
  for (const id of await deps.schedules.scheduledPolicyIds()) {
    if (known.has(id)) continue;
    await deps.schedules.remove({ id });
    removed++;
  }
  return { tenants, written, removed };
}
