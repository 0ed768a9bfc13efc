import type { Policy } from '#shared/domain/policy.ts';

/** Keeps one schedule per policy in line with the policy (EventBridge Scheduler in AWS). */
export interface PolicyScheduler {
  /** Creates or replaces the policy's schedule; a disabled policy's schedule is disabled. */
  put(policy: Policy): Promise<void>;
  /** Removes the policy's schedule; a missing schedule is fine. */
  remove(policy: Pick<Policy, 'id'>): Promise<void>;
  /** The ids of the policies that have a schedule (to find schedules whose policy is gone). */
  scheduledPolicyIds(): Promise<string[]>;
}
