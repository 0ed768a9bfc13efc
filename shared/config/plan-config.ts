import { z } from 'zod';
import {
  PLAN_FEATURES,
  type PlanFeature,
  type PlanOverride,
  type PlanTable,
  planTable,
  QUOTA_NAMES,
  type QuotaName,
} from '#shared/domain/plans/plan.ts';

const limit = z.number().int().min(0).nullable();

/**
 * The fields of an operator's plan that set what the plan allows (each optional: a built-in plan
 * keeps its own value for a field left out, a new plan `standard`'s). Shared by the API's full
 * plan parser and the connector's, which reads only these.
 */
export const planLimitFields = {
  features: z
    .strictObject(
      Object.fromEntries(PLAN_FEATURES.map((feature) => [feature, z.boolean().optional()])) as Record<
        PlanFeature,
        z.ZodOptional<z.ZodBoolean>
      >,
    )
    .optional(),
  minScheduleIntervalMinutes: z.number().int().min(1).max(1440).optional(),
  maxRetention: limit.optional(),
  quotas: z
    .strictObject(
      Object.fromEntries(QUOTA_NAMES.map((quota) => [quota, limit.optional()])) as Record<
        QuotaName,
        z.ZodOptional<typeof limit>
      >,
    )
    .optional(),
};

export const PLAN_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

// Other fields (the new tenant's defaults) are the API's to check.
const LimitsOnly = z.record(z.string().regex(PLAN_NAME, 'must be a plan name'), z.object(planLimitFields));

/** The plan table from the operator's plans JSON, only the limits of each plan; a bad value throws naming the variable. */
export function parsePlanTable(json: string | undefined, variable: string): PlanTable {
  if (json === undefined || json.trim() === '') return planTable();
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${variable} is not JSON: ${(error as Error).message}`);
  }
  const parsed = LimitsOnly.safeParse(value);
  if (!parsed.success)
    throw new Error(`${variable} is not a valid plan list: ${z.prettifyError(parsed.error)}`);
  return planTable(new Map(Object.entries(parsed.data).map(([name, plan]) => [name, plan as PlanOverride])));
}

/** The plan new tenants start on when the operator names none. */
export const BUILT_IN_DEFAULT_PLAN = 'standard';

/**
 * The plan new tenants start on (`DEFAULT_PLAN`, the context `pve-snapshots:defaultPlan`), checked
 * against every plan the deployment knows: a name no plan has throws naming the setting, so a typo
 * stops the service at start rather than putting tenants on the `free` fallback.
 */
export function parseDefaultPlan(name: string | undefined, plans: PlanTable, setting: string): string {
  if (name === undefined || name.trim() === '') return BUILT_IN_DEFAULT_PLAN;
  if (!plans.has(name))
    throw new Error(`${setting} names no plan: '${name}' (the plans are ${[...plans.keys()].join(', ')})`);
  return name;
}
