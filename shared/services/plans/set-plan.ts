import { auditSummary } from '#shared/domain/audit.ts';
import { NotFoundError, StaleWriteError, ValidationError } from '#shared/domain/errors.ts';
import { auditEvent } from '../audit-trail.ts';
import { retryStaleWrites } from '../retry-stale-writes.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { planTableOf } from './tenant-plan.ts';

/** Who changes a tenant's plan: an operator of the service, never one of the tenant's own roles. */
export interface OperatorContext {
  /** The operator credential's subject, the actor in the tenant's audit trail. */
  readonly subject: string;
  readonly requestId: string;
}

/** A tenant's plan as its profile records it (the operator's view; 404 before its first request). */
export async function getTenantPlan(
  deps: Pick<ServiceDeps, 'store'>,
  tenantId: string,
): Promise<{ tenantId: string; plan: string }> {
  const profile = await deps.store.tenants.get(tenantId);
  if (!profile) throw new NotFoundError('tenant', tenantId);
  return { tenantId, plan: profile.plan };
}

/**
 * Puts a tenant on a plan (the operator route and its CLI command). Nothing the tenant holds is
 * deleted: over a smaller plan's quotas it keeps what it has and new work is refused. Audited in
 * the tenant's own trail as `tenant.set-plan` by `operator:<subject>`.
 */
export async function setTenantPlan(
  deps: ServiceDeps,
  context: OperatorContext,
  tenantId: string,
  plan: string,
): Promise<{ tenantId: string; plan: string; previous: string }> {
  const known = planTableOf(deps);
  if (!known.has(plan))
    throw ValidationError.single('plan', 'plan.known', `plan must be one of ${[...known.keys()].join(', ')}`);
  return await retryStaleWrites(async () => {
    const before = await deps.store.tenants.get(tenantId);
    // A tenant comes into being with its first request, which also applies its plan's defaults.
    if (!before) throw new NotFoundError('tenant', tenantId);
    const after = {
      ...before,
      plan,
      updatedAt: new Date(deps.now()).toISOString(),
      version: before.version + 1,
    };
    if (!(await deps.store.tenants.replace(after, before.version)))
      throw new StaleWriteError('the tenant changed while this request read it');
    await deps.store.audit.record(
      auditEvent(
        deps,
        {
          principal: { tenantId, role: 'admin', subject: `operator:${context.subject}` },
          requestId: context.requestId,
        },
        {
          action: 'tenant.set-plan',
          resourceType: 'tenant',
          resourceId: tenantId,
          before: auditSummary({ plan: before.plan }),
          after: auditSummary({ plan }),
        },
      ),
    );
    return { tenantId, plan, previous: before.plan };
  });
}
