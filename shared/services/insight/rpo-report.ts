import type { CoverageFilter } from '#shared/domain/insight/coverage.ts';
import { matchesCoverageFilter } from '#shared/domain/insight/coverage.ts';
import { policyKind, type RecoveryKind } from '#shared/domain/insight/policy-kind.ts';
import { type GuestRpo, guestRpo, policyIntervalMs, type RpoState } from '#shared/domain/insight/rpo.ts';
import type { Policy } from '#shared/domain/policy.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { loadFleet, loadRecoveryPoints, offsitePolicyIds } from './fleet.ts';

interface PolicyExpectation {
  readonly id: string;
  readonly name: string;
  readonly kind: RecoveryKind;
  readonly enabled: boolean;
  readonly expectedMinutes: number;
  /** `rpo`: set on the policy; `schedule`: the largest gap between two of its ticks. */
  readonly expectedFrom: 'rpo' | 'schedule';
  /** Guests it takes now. */
  readonly targets: number;
  /** A policy that takes no guest protects nothing, whatever its runs report. */
  readonly selectsNothing: boolean;
}

export interface RpoReport {
  readonly evaluatedAt: string;
  readonly guests: GuestRpo[];
  readonly policies: PolicyExpectation[];
}

export interface RpoFilter extends Omit<CoverageFilter, 'state'> {
  readonly rpoState?: RpoState;
}

/**
 * Every guest a policy takes (enabled or disabled), against its newest good recovery points;
 * and per policy its interval and whether it selects anything at all.
 */
export async function rpoReport(
  deps: ServiceDeps,
  tenantId: string,
  filter: RpoFilter = {},
): Promise<RpoReport> {
  const nowMs = deps.now();
  const { policies, coverage } = await loadFleet(deps, tenantId);
  const intervals = new Map(
    policies.map((policy) => [
      policy.id,
      { intervalMs: policyIntervalMs(policy, nowMs), createdMs: Date.parse(policy.createdAt) },
    ]),
  );
  const taken = coverage.filter((entry) => entry.policies.length > 0 && matchesCoverageFilter(entry, filter));
  const points = await loadRecoveryPoints(
    deps,
    tenantId,
    taken.map((entry) => entry.guest.id),
    offsitePolicyIds(policies),
  );
  const guests = taken
    .map((entry) =>
      guestRpo({ coverage: entry, points: points.get(entry.guest.id) ?? [], policies: intervals, nowMs }),
    )
    .filter(
      (row) =>
        filter.rpoState === undefined ||
        Object.values(row.kinds).some((status) => status.state === filter.rpoState),
    );
  const targets = new Map<string, number>();
  for (const entry of coverage)
    for (const policy of entry.policies) targets.set(policy.id, (targets.get(policy.id) ?? 0) + 1);
  return {
    evaluatedAt: new Date(nowMs).toISOString(),
    guests,
    policies: policies.map((policy: Policy) => ({
      id: policy.id,
      name: policy.name,
      kind: policyKind(policy),
      enabled: policy.enabled,
      expectedMinutes: Math.round((intervals.get(policy.id)?.intervalMs ?? 0) / 60_000),
      expectedFrom: policy.rpo !== undefined ? 'rpo' : 'schedule',
      targets: targets.get(policy.id) ?? 0,
      selectsNothing: (targets.get(policy.id) ?? 0) === 0,
    })),
  };
}
