import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { TenantProfile } from '#shared/adapters/dynamo/tenant-store.ts';
import { BUILT_IN_DEFAULT_PLAN } from '#shared/config/plan-config.ts';
import { type Plan, type PlanTable, planOf, planTable } from '#shared/domain/plans/plan.ts';

/** What the plan checks read: the table and the tenant's profile. */
export interface PlanDeps {
  readonly store: Store;
  /** Every plan the deployment knows; absent: the built-in plans as they are. */
  readonly plans?: PlanTable | undefined;
  /** The plan new tenants start on; a tenant without a profile yet (its first request creates it) reads as it. */
  readonly defaultPlan?: string | undefined;
}

const BUILT_IN = planTable();

export const planTableOf = (deps: Pick<PlanDeps, 'plans'>): PlanTable => deps.plans ?? BUILT_IN;

/** The plan a new tenant's profile records. */
export const defaultPlanOf = (deps: Pick<PlanDeps, 'defaultPlan'>): string =>
  deps.defaultPlan ?? BUILT_IN_DEFAULT_PLAN;

/** The tenant's profile as the caller already read it (undefined: the tenant has none yet). */
export interface KnownProfile {
  readonly profile: TenantProfile | undefined;
}

/** The tenant's plan by name, and what it allows; from `known` when the caller read the profile. */
export async function tenantPlan(
  deps: PlanDeps,
  tenantId: string,
  known?: KnownProfile,
): Promise<{ name: string; plan: Plan }> {
  const profile = known ? known.profile : await deps.store.tenants.get(tenantId);
  const name = profile?.plan ?? defaultPlanOf(deps);
  return { name, plan: planOf(planTableOf(deps), name) };
}
