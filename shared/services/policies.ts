import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import { assertVersion, NotFoundError, ScheduleWriteError } from '#shared/domain/errors.ts';
import { checkPolicySpec, type Policy, type PolicySpec, perNodeLimit } from '#shared/domain/policy.ts';
import { parseCron } from '#shared/domain/schedule/cron.ts';
import { nextRuns } from '#shared/domain/schedule/next-runs.ts';
import { formatInZone } from '#shared/domain/time-zone.ts';
import type { PolicyScheduler } from '#shared/ports/policy-scheduler.ts';
import { auditEvent, authorize } from './audit-trail.ts';
import { checkBackupStorage } from './backup-policy/check-backup-storage.ts';
import { canonicalGuestIds } from './guest-reference.ts';
import { retryStaleWrites } from './retry-stale-writes.ts';
import type { ServiceDeps } from './service-deps.ts';

export interface PolicyDeps extends ServiceDeps {
  readonly schedules: PolicyScheduler;
}

/**
 * Writes the schedule first, then the policy; if the policy write fails, the schedule is put
 * back as it was. A schedule that cannot be written stops the change before anything is
 * stored. Either way the stored policy and its schedule agree.
 */
async function changeScheduleThenPolicy(
  apply: () => Promise<void>,
  write: () => Promise<void>,
  undo: () => Promise<void>,
): Promise<void> {
  try {
    await apply();
  } catch (error) {
    throw new ScheduleWriteError(`the policy's schedule could not be written: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    await write();
  } catch (error) {
    await undo().catch(() => undefined);
    throw error;
  }
}

export type PolicyView = Omit<Policy, 'tenantId'>;

export function policyView(policy: Policy): PolicyView {
  const { tenantId: _tenantId, ...view } = policy;
  return view;
}

export async function getPolicy(deps: ServiceDeps, context: AuditContext, policyId: string): Promise<Policy> {
  const policy = await deps.store.policies.get(context.principal.tenantId, policyId);
  if (!policy) throw new NotFoundError('policy', policyId);
  return policy;
}

/**
 * The spec with every guest its selector names (`guests`, `exclude.guests`; by id or
 * `<cluster>/<vmid>`) as its canonical id; a guest the inventory does not know is a 422 naming
 * it. Guests the stored version already names pass unchecked (they may have left the
 * inventory since, which must not block an unrelated change).
 */
async function withCanonicalGuests(
  deps: ServiceDeps,
  context: AuditContext,
  spec: PolicySpec,
  before?: PolicySpec,
): Promise<PolicySpec> {
  const { guests, exclude } = spec.selector;
  if (guests.length === 0 && exclude.guests.length === 0) return spec;
  const known = new Set([...(before?.selector.guests ?? []), ...(before?.selector.exclude.guests ?? [])]);
  const ids = await canonicalGuestIds(
    deps,
    context.principal.tenantId,
    [
      ...guests.map((value, index) => ({ path: `selector.guests.${index}`, value })),
      ...exclude.guests.map((value, index) => ({ path: `selector.exclude.guests.${index}`, value })),
    ],
    known,
  );
  return {
    ...spec,
    selector: {
      ...spec.selector,
      guests: ids.slice(0, guests.length),
      exclude: { ...exclude, guests: ids.slice(guests.length) },
    },
  };
}

/** Creates a policy after checking its schedule, zone and selector; audited in the same write. */
export async function createPolicy(
  deps: PolicyDeps,
  context: AuditContext,
  input: PolicySpec,
): Promise<Policy> {
  const id = deps.ids.next('pol');
  await authorize(deps, context, 'manage', {
    action: 'policy.create',
    resourceType: 'policy',
    resourceId: id,
  });
  const { schedulerExpression } = checkPolicySpec(input);
  const spec = await withCanonicalGuests(deps, context, input);
  const at = new Date(deps.now()).toISOString();
  const policy: Policy = {
    ...spec,
    id,
    tenantId: context.principal.tenantId,
    schedulerExpression,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  await checkBackupStorage(deps, policy);
  await changeScheduleThenPolicy(
    () => deps.schedules.put(policy),
    () =>
      deps.store.policies.create(policy, [
        deps.store.audit.entry(
          auditEvent(deps, context, {
            action: 'policy.create',
            resourceType: 'policy',
            resourceId: id,
            after: auditSummary(policyView(policy)),
          }),
        ),
      ]),
    () => deps.schedules.remove(policy),
  );
  return policy;
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
  const once = () => updatePolicyOnce(deps, context, policyId, buildSpec, expectedVersion);
  return expectedVersion === undefined ? retryStaleWrites(once) : once();
}

async function updatePolicyOnce(
  deps: PolicyDeps,
  context: AuditContext,
  policyId: string,
  buildSpec: (current: PolicySpec) => PolicySpec,
  expectedVersion?: number,
): Promise<Policy> {
  await authorize(deps, context, 'manage', {
    action: 'policy.update',
    resourceType: 'policy',
    resourceId: policyId,
  });
  const before = await getPolicy(deps, context, policyId);
  assertVersion('policy', before.version, expectedVersion);
  const current = policySpecOf(before);
  const built = buildSpec(current);
  const { schedulerExpression } = checkPolicySpec(built);
  const spec = await withCanonicalGuests(deps, context, built, current);
  const after: Policy = {
    ...spec,
    id: before.id,
    tenantId: before.tenantId,
    schedulerExpression,
    createdAt: before.createdAt,
    updatedAt: new Date(deps.now()).toISOString(),
    version: before.version + 1,
  };
  await checkBackupStorage(deps, after);
  await changeScheduleThenPolicy(
    () => deps.schedules.put(after),
    () =>
      deps.store.policies.update(before, after, [
        deps.store.audit.entry(
          auditEvent(deps, context, {
            action: 'policy.update',
            resourceType: 'policy',
            resourceId: policyId,
            before: auditSummary(policyView(before)),
            after: auditSummary(policyView(after)),
          }),
        ),
      ]),
    () => deps.schedules.put(before),
  );
  return after;
}

/** Deletes a policy; without `expectedVersion` (no If-Match) a concurrent change does not stop it. */
export function deletePolicy(
  deps: PolicyDeps,
  context: AuditContext,
  policyId: string,
  expectedVersion?: number,
): Promise<void> {
  const once = () => deletePolicyOnce(deps, context, policyId, expectedVersion);
  return expectedVersion === undefined ? retryStaleWrites(once) : once();
}

async function deletePolicyOnce(
  deps: PolicyDeps,
  context: AuditContext,
  policyId: string,
  expectedVersion?: number,
): Promise<void> {
  await authorize(deps, context, 'manage', {
    action: 'policy.delete',
    resourceType: 'policy',
    resourceId: policyId,
  });
  const policy = await getPolicy(deps, context, policyId);
  assertVersion('policy', policy.version, expectedVersion);
  await changeScheduleThenPolicy(
    () => deps.schedules.remove(policy),
    () =>
      deps.store.policies.remove(policy, [
        deps.store.audit.entry(
          auditEvent(deps, context, {
            action: 'policy.delete',
            resourceType: 'policy',
            resourceId: policyId,
            before: auditSummary(policyView(policy)),
          }),
        ),
      ]),
    () => deps.schedules.put(policy),
  );
}

/** The client-written part of a stored policy. */
function policySpecOf(policy: Policy): PolicySpec {
  const { name, description, enabled, schedule, snapshot, retention, selector, notify } = policy;
  // Policies stored before per-node concurrency existed get its default.
  return {
    name,
    description,
    enabled,
    schedule,
    // A backup policy stays one through a patch that does not name its kind.
    ...(policy.kind ? { kind: policy.kind } : {}),
    snapshot,
    ...(policy.backup ? { backup: policy.backup } : {}),
    retention,
    selector,
    notify,
    concurrency: policy.concurrency ?? { perNode: perNodeLimit(policy) },
  };
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
  const policy = await getPolicy(deps, context, policyId);
  const { timezone } = policy.schedule;
  const runs = policy.enabled ? nextRuns(parseCron(policy.schedule.cron), timezone, deps.now(), count) : [];
  return {
    timezone,
    enabled: policy.enabled,
    runs: runs.map((at) => ({ at: new Date(at).toISOString(), local: formatInZone(timezone, at) })),
  };
}
