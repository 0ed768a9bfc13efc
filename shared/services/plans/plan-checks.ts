import { featureRefusal, policyRefusal, quotaRefusal } from '#shared/domain/plans/quota.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { type PlanDeps, tenantPlan } from './tenant-plan.ts';
import { coveredGuests, heldSnapshots, listClusters, listPolicies } from './tenant-usage.ts';

type Deps = PlanDeps & { readonly now: () => number };

/**
 * Refuses a policy write its tenant's plan does not allow, before anything is written: a gated
 * feature (403 `plan-feature-missing`), then the policies quota (creation only) and the guests
 * covered quota (only the guests this write adds count, so a tenant over quota after a
 * downgrade may still edit its policies without widening them).
 */
export async function checkPolicyWrite(deps: Deps, policy: Policy, before?: Policy): Promise<void> {
  const { name, plan } = await tenantPlan(deps, policy.tenantId);
  const refused = policyRefusal(name, plan, policy);
  if (refused) throw refused;
  const counted =
    (!before && plan.quotas.policies !== null) || (policy.enabled && plan.quotas.guestsCovered !== null);
  if (!counted) return;
  const stored = await listPolicies(deps, policy.tenantId);
  if (!before) {
    const tooMany = quotaRefusal(name, plan, { quota: 'policies', used: stored.length, adding: 1 });
    if (tooMany) throw tooMany;
  }
  if (!policy.enabled || plan.quotas.guestsCovered === null) return;
  const others = stored.filter((other) => other.id !== policy.id);
  const now = await coveredGuests(deps, policy.tenantId, before ? [...others, before] : others);
  const after = await coveredGuests(deps, policy.tenantId, [...others, policy]);
  const added = [...after].filter((guest) => !now.has(guest)).length;
  const refusal = quotaRefusal(name, plan, { quota: 'guestsCovered', used: now.size, adding: added });
  if (refusal) throw refusal;
}

/** Refuses something only some plans include (e.g. `restoreTests`) when the tenant's plan does not. */
export async function checkFeature(
  deps: PlanDeps,
  tenantId: string,
  feature: Parameters<typeof featureRefusal>[2],
): Promise<void> {
  const { name, plan } = await tenantPlan(deps, tenantId);
  const refusal = featureRefusal(name, plan, feature);
  if (refusal) throw refusal;
}

/** Refuses registering a cluster past the plan's clusters quota. */
export async function checkClusterWrite(deps: PlanDeps, tenantId: string): Promise<void> {
  const { name, plan } = await tenantPlan(deps, tenantId);
  if (plan.quotas.clusters === null) return;
  const clusters = await listClusters(deps, tenantId);
  const refusal = quotaRefusal(name, plan, { quota: 'clusters', used: clusters.length, adding: 1 });
  if (refusal) throw refusal;
}

/** Refuses a snapshot taken by hand that the plan does not allow (RAM state) or that passes the per-guest quota. */
export async function checkManualSnapshot(
  deps: PlanDeps,
  tenantId: string,
  guestId: string,
  vmstate: boolean,
): Promise<void> {
  const { name, plan } = await tenantPlan(deps, tenantId);
  const gated = vmstate ? featureRefusal(name, plan, 'ramSnapshots') : undefined;
  if (gated) throw gated;
  if (plan.quotas.snapshotsPerGuest === null) return;
  const held = heldSnapshots(await deps.store.snapshots.list(tenantId, guestId));
  const refusal = quotaRefusal(
    name,
    plan,
    { quota: 'snapshotsPerGuest', used: held, adding: 1 },
    `guest ${guestId}`,
  );
  if (refusal) throw refusal;
}
