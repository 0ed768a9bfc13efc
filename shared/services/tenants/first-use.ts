import type { Logger } from '@aws-lambda-powertools/logger';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { PolicySpec } from '#shared/domain/policy.ts';
import type { Principal } from '#shared/domain/roles.ts';
import {
  createSubscription,
  type SubscriptionDeps,
  type SubscriptionInput,
} from '../notifications/subscriptions.ts';
import { defaultPlanOf } from '../plans/tenant-plan.ts';
import { createPolicy, type PolicyDeps } from '../policies.ts';

/** A policy as a plan declares it: without a time zone it runs in the tenant's default zone. */
type PlanPolicy = Omit<PolicySpec, 'schedule'> & {
  readonly schedule: Omit<PolicySpec['schedule'], 'timezone'> & { readonly timezone?: string | undefined };
};

/** What the service operator gives a new tenant of one plan on its first request. */
export interface TenantPlan {
  /** The new tenant's default time zone. */
  readonly timezone: string;
  readonly policy?: PlanPolicy | undefined;
  /** Subscribed through the usual machinery: an email address gets its confirmation mail. */
  readonly subscriptions: readonly SubscriptionInput[];
}

/** Plans by name, as the operator configured them (none: new tenants start empty). */
export type TenantPlans = ReadonlyMap<string, TenantPlan>;

export interface FirstUseDeps extends PolicyDeps, SubscriptionDeps {
  readonly tenantPlans: TenantPlans;
  readonly logger: Logger;
}

/** Who the plan's defaults are created as in the audit trail. */
const PLAN_DEFAULTS_ACTOR = 'service:plan-defaults';

/**
 * Makes sure the caller's tenant exists. The one request whose conditional write creates the
 * tenant (however many first requests race) applies its plan's defaults: the default policy and
 * subscriptions. Later requests never apply them again, so a default policy the tenant deleted
 * stays deleted. A default that cannot be created is logged, not retried, and the request goes on.
 */
export async function ensureTenant(
  deps: FirstUseDeps,
  principal: Principal,
  requestId: string,
): Promise<void> {
  // The deployment's default plan (an operator may move the tenant to another later).
  const planName = defaultPlanOf(deps);
  const plan = deps.tenantPlans.get(planName);
  const created = await deps.store.tenants.ensure(principal.tenantId, {
    plan: planName,
    timezone: plan?.timezone ?? 'UTC',
  });
  if (!created || !plan) return;
  const context: AuditContext = {
    principal: { tenantId: principal.tenantId, role: 'admin', subject: PLAN_DEFAULTS_ACTOR },
    requestId,
  };
  const defaults: Array<[string, () => Promise<unknown>]> = [];
  const { policy } = plan;
  if (policy) {
    const spec: PolicySpec = {
      ...policy,
      schedule: { ...policy.schedule, timezone: policy.schedule.timezone ?? plan.timezone },
    };
    defaults.push(['policy', () => createPolicy(deps, context, spec)]);
  }
  for (const subscription of plan.subscriptions)
    defaults.push([
      `${subscription.kind} subscription`,
      () => createSubscription(deps, context, subscription),
    ]);
  for (const [what, create] of defaults) {
    try {
      await create();
    } catch (error) {
      deps.logger.error('plan default not created', {
        tenantId: principal.tenantId,
        plan: planName,
        default: what,
        requestId,
        error: error as Error,
      });
    }
  }
}
