import type { Policy } from '#shared/domain/policy.ts';
import type { PolicyScheduler } from '#shared/ports/policy-scheduler.ts';

/** A scheduler that keeps schedules in a map and can be told to fail (a deliberate fake of the port). */
export function fakeScheduler() {
  const schedules = new Map<string, Policy>();
  let failing = false;
  const scheduler: PolicyScheduler = {
    put: async (policy) => {
      if (failing) throw new Error('ThrottlingException: Rate exceeded');
      schedules.set(policy.id, policy);
    },
    remove: async (policy) => {
      if (failing) throw new Error('ThrottlingException: Rate exceeded');
      schedules.delete(policy.id);
    },
    scheduledPolicyIds: async () => [...schedules.keys()],
  };
  return { scheduler, schedules, fail: (value: boolean) => (failing = value) };
}
