import type { AuditContext } from '#shared/domain/audit.ts';
import { policyRefusal } from '#shared/domain/plans/quota.ts';
import { checkPolicySpec, type Policy, type PolicySpec, perNodeLimit } from '#shared/domain/policy.ts';
import { parseCron } from '#shared/domain/schedule/cron.ts';
import { nextRuns } from '#shared/domain/schedule/next-runs.ts';
import { formatInZone } from '#shared/domain/time-zone.ts';
import type { PolicyScheduler } from '#shared/ports/policy-scheduler.ts';
import { checkBackupStorage } from './backup-policy/check-backup-storage.ts';
import { checkPolicyWrite } from './plans/plan-checks.ts';
import { tenantPlan } from './plans/tenant-plan.ts';
import { scheduledResources } from './scheduled-resources.ts';
import type { ServiceDeps } from './service-deps.ts';

export interface PolicyDeps extends ServiceDeps {
  readonly schedules: PolicyScheduler;
}

export type PolicyView = Omit<Policy, 'tenantId'>;

export function policyView(policy: Policy): PolicyView {
  const { tenantId: _tenantId, ...view } = policy;
  return view;
}

const policies = scheduledResources<PolicySpec, PolicyDeps>({
  noun: 'policy',
  resourceType: 'policy',
  idPrefix: 'pol',
  records: (deps) => deps.store.policies,
  schedules: (deps) => deps.schedules,
  check: checkPolicySpec,
  specOf: policySpecOf,
  view: policyView,
  // Guests the stored version names may have left the inventory since: that must not block an unrelated change.
  trustStoredGuests: true,
  beforeWrite: async (deps, after, before) => {
    await checkPolicyWrite(deps, after, before);
    await checkBackupStorage(deps, after);
  },
});

export function getPolicy(deps: ServiceDeps, context: AuditContext, policyId: string): Promise<Policy> {
  return policies.get(deps, context.principal.tenantId, policyId);
}

/** Creates a policy after checking its schedule, zone and selector; audited in the same write. */
export function createPolicy(deps: PolicyDeps, context: AuditContext, input: PolicySpec): Promise<Policy> {
  return policies.create(deps, context, input);
}

/**
 * What saving a policy draft would be refused for, with nothing written, and its next runs: for
 * an editor that checks as the user types. Checks in order: schedule, time zone, selector and
 * backup options (400), what the tenant's plan allows (403), the guests the selector names
 * (422). A name taken, the quotas and a backup storage's nodes are checked when it is saved.
 */
export async function checkPolicyDraft(
  deps: PolicyDeps,
  context: AuditContext,
  draft: PolicySpec,
  count: number,
): Promise<{ timezone: string; enabled: boolean; runs: UpcomingRun[] }> {
  checkPolicySpec(draft);
  const tenantId = context.principal.tenantId;
  const { name, plan } = await tenantPlan(deps, tenantId);
  const refused = policyRefusal(name, plan, draft);
  if (refused) throw refused;
  await policies.canonicalGuests(deps, tenantId, draft);
  return scheduleOf(deps, draft, count);
}

/**
 * Updates a policy. `buildSpec` receives the stored spec and returns the new, fully validated
 * spec (the API applies the client's merge patch and validates the result there), so a rejected
 * update never reaches the store. Without `expectedVersion` (no If-Match) a concurrent change
 * makes it read and apply again instead of failing.
 */
export function updatePolicy(
  deps: PolicyDeps,
  context: AuditContext,
  policyId: string,
  buildSpec: (current: PolicySpec) => PolicySpec,
  expectedVersion?: number,
): Promise<Policy> {
  return policies.update(deps, context, policyId, buildSpec, expectedVersion);
}

/** Deletes a policy; without `expectedVersion` (no If-Match) a concurrent change does not stop it. */
export function deletePolicy(
  deps: PolicyDeps,
  context: AuditContext,
  policyId: string,
  expectedVersion?: number,
): Promise<void> {
  return policies.remove(deps, context, policyId, expectedVersion);
}

/**
 * The client-written part of a stored policy: everything but what the service adds, so a merge
 * patch keeps every field it does not name (the RPO, the storage guard, hooks, ...).
 */
function policySpecOf({
  id: _id,
  tenantId: _tenantId,
  schedulerExpression: _schedulerExpression,
  createdAt: _createdAt,
  updatedAt: _updatedAt,
  version: _version,
  ...spec
}: Policy): PolicySpec {
  // Policies stored before per-node concurrency existed get its default.
  return { ...spec, concurrency: spec.concurrency ?? { perNode: perNodeLimit(spec) } };
}

export interface UpcomingRun {
  /** UTC instant. */
  readonly at: string;
  /** The same instant on the policy's wall clock, with its offset. */
  readonly local: string;
}

/** The next `count` scheduled times of a policy (empty when it is disabled). */
export async function upcomingRuns(
  deps: ServiceDeps,
  context: AuditContext,
  policyId: string,
  count: number,
): Promise<{ timezone: string; enabled: boolean; runs: UpcomingRun[] }> {
  return scheduleOf(deps, await getPolicy(deps, context, policyId), count);
}

function scheduleOf(deps: ServiceDeps, policy: Pick<PolicySpec, 'schedule' | 'enabled'>, count: number) {
  const { timezone } = policy.schedule;
  const runs = policy.enabled ? nextRuns(parseCron(policy.schedule.cron), timezone, deps.now(), count) : [];
  return {
    timezone,
    enabled: policy.enabled,
    runs: runs.map((at) => ({ at: new Date(at).toISOString(), local: formatInZone(timezone, at) })),
  };
}
