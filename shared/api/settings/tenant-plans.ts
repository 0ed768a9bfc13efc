import { z } from 'zod';
import { PLAN_NAME, planLimitFields } from '#shared/config/plan-config.ts';
import { ValidationError } from '#shared/domain/errors.ts';
import { checkPolicySpec, timeZoneIssues } from '#shared/domain/policy.ts';
import type { TenantPlan, TenantPlans } from '#shared/services/tenants/first-use.ts';
import { PolicyInputSchema } from '../policies/policies.schemas.ts';
import { SubscriptionInputSchema } from '../subscriptions/subscriptions.routes.ts';

// The plan's policy and subscriptions are written as a client would POST them, and checked so.
const PlanSchema = z.strictObject({
  ...planLimitFields,
  timezone: z.string().min(1).max(64).default('UTC'),
  policy: PolicyInputSchema.optional(),
  subscriptions: z.array(SubscriptionInputSchema).max(10).default([]),
});
const PlansSchema = z.record(z.string().regex(PLAN_NAME, 'must be a plan name'), PlanSchema);

/**
 * The operator's plans from their JSON (an environment variable), checked at cold start: a bad
 * plan stops the service with a message naming the variable instead of failing a first request.
 */
export function parseTenantPlans(json: string | undefined, variable: string): TenantPlans {
  if (json === undefined || json.trim() === '') return new Map();
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${variable} is not JSON: ${(error as Error).message}`);
  }
  const parsed = PlansSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(`${variable} is not a valid plan list: ${z.prettifyError(parsed.error)}`);
  const plans = new Map<string, TenantPlan>();
  for (const [name, plan] of Object.entries(parsed.data)) {
    try {
      const zoneIssues = timeZoneIssues(plan.timezone, 'timezone');
      if (zoneIssues.length > 0) throw new ValidationError(zoneIssues);
      const { policy } = plan;
      if (policy)
        checkPolicySpec({
          ...policy,
          schedule: { ...policy.schedule, timezone: policy.schedule.timezone ?? plan.timezone },
        });
    } catch (error) {
      throw new Error(`${variable}: plan '${name}': ${(error as Error).message}`);
    }
    plans.set(name, plan);
  }
  return plans;
}
