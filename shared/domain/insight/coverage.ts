import { type Exclusion, isExclusionActive } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { exclusionFor, selectTargets } from '#shared/domain/select-targets.ts';
import { policyKind, type RecoveryKind } from './policy-kind.ts';

/**
 * How a guest is protected, worst first in the order a reader fixes them:
 * `not-covered`: no policy selects it; `only-disabled`: only disabled policies do;
 * `excluded`: an exclusion record keeps it out of an enabled policy that selects it (and no
 * other enabled policy covers it); `overlapping`: two enabled policies of the same kind take it
 * (twice the snapshots, two retentions pruning each other's work); `covered`: one enabled policy
 * per kind.
 */
export const COVERAGE_STATES = [
  'not-covered',
  'only-disabled',
  'excluded',
  'overlapping',
  'covered',
] as const;
export type CoverageState = (typeof COVERAGE_STATES)[number];

interface CoveringPolicy {
  readonly id: string;
  readonly name: string;
  readonly kind: RecoveryKind;
  readonly enabled: boolean;
}

interface CoverageExclusion {
  readonly exclusionId: string;
  /** The policy the guest is kept out of; absent: every policy. */
  readonly policyId?: string;
  readonly reason: string;
  readonly expiresAt?: string;
}

export interface GuestCoverage {
  readonly guest: Guest;
  readonly state: CoverageState;
  /** Policies that take the guest now (enabled or not), by name. */
  readonly policies: readonly CoveringPolicy[];
  /** Exclusion records in force that keep the guest out of a policy that selects it. */
  readonly exclusions: readonly CoverageExclusion[];
  /** Kinds taken by more than one enabled policy. */
  readonly overlappingKinds: readonly RecoveryKind[];
}

type CoverageCounts = Readonly<Record<CoverageState, number>> & { readonly guests: number };

export interface CoverageFilter {
  readonly clusterId?: string;
  readonly node?: string;
  readonly tag?: string;
  readonly pool?: string;
  readonly state?: CoverageState;
}

export interface CoverageReport {
  /** Every live guest that can be snapshotted (templates and gone guests left out), by id. */
  readonly guests: GuestCoverage[];
  readonly totals: CoverageCounts;
  readonly byCluster: Record<string, CoverageCounts>;
  readonly byNode: Record<string, CoverageCounts>;
  readonly byPool: Record<string, CoverageCounts>;
  readonly byTag: Record<string, CoverageCounts>;
}

function stateOf(policies: readonly CoveringPolicy[], excluded: boolean): CoverageState {
  const enabled = policies.filter((policy) => policy.enabled);
  if (enabled.length === 0) {
    if (excluded) return 'excluded';
    return policies.length > 0 ? 'only-disabled' : 'not-covered';
  }
  const kinds = enabled.map((policy) => policy.kind);
  return new Set(kinds).size < kinds.length ? 'overlapping' : 'covered';
}

/**
 * Which policies protect each guest, from the same selection a run makes
 * ({@link selectTargets}): a policy covers a guest it would target now.
 */
export function computeCoverage(
  guests: readonly Guest[],
  policies: readonly Policy[],
  exclusions: readonly Exclusion[],
  nowMs: number,
): GuestCoverage[] {
  const live = guests.filter((guest) => !guest.gone && !guest.template);
  const active = exclusions.filter((exclusion) => isExclusionActive(exclusion, nowMs));
  const covering = new Map<string, CoveringPolicy[]>();
  const excludedBy = new Map<string, Map<string, CoverageExclusion>>();
  for (const policy of policies) {
    const entry: CoveringPolicy = {
      id: policy.id,
      name: policy.name,
      kind: policyKind(policy),
      enabled: policy.enabled,
    };
    const { targets, left } = selectTargets(policy, live, active, nowMs);
    for (const guest of targets) covering.set(guest.id, [...(covering.get(guest.id) ?? []), entry]);
    for (const { guest, reason } of left) {
      // Only an exclusion from an enabled policy leaves a gap; a disabled one covers nothing anyway.
      if (reason !== 'excluded' || !policy.enabled) continue;
      const exclusion = exclusionFor(policy, guest, active);
      if (!exclusion) continue;
      const found = excludedBy.get(guest.id) ?? new Map<string, CoverageExclusion>();
      found.set(exclusion.id, {
        exclusionId: exclusion.id,
        ...(exclusion.policyId ? { policyId: exclusion.policyId } : {}),
        reason: exclusion.reason,
        ...(exclusion.expiresAt ? { expiresAt: exclusion.expiresAt } : {}),
      });
      excludedBy.set(guest.id, found);
    }
  }
  return live
    .map((guest): GuestCoverage => {
      const taken = (covering.get(guest.id) ?? []).sort((a, b) => a.name.localeCompare(b.name));
      const kept = [...(excludedBy.get(guest.id)?.values() ?? [])];
      const enabledKinds = taken.filter((policy) => policy.enabled).map((policy) => policy.kind);
      return {
        guest,
        state: stateOf(taken, kept.length > 0),
        policies: taken,
        exclusions: kept,
        overlappingKinds: [
          ...new Set(enabledKinds.filter((kind, index) => enabledKinds.indexOf(kind) !== index)),
        ],
      };
    })
    .sort((a, b) => (a.guest.id < b.guest.id ? -1 : a.guest.id > b.guest.id ? 1 : 0));
}

export function matchesCoverageFilter(entry: GuestCoverage, filter: CoverageFilter): boolean {
  const { guest } = entry;
  return (
    (filter.clusterId === undefined || guest.clusterId === filter.clusterId) &&
    (filter.node === undefined || guest.node === filter.node) &&
    (filter.tag === undefined || guest.tags.includes(filter.tag)) &&
    (filter.pool === undefined || guest.pool === filter.pool) &&
    (filter.state === undefined || entry.state === filter.state)
  );
}

const emptyCounts = (): Record<CoverageState, number> & { guests: number } => ({
  guests: 0,
  'not-covered': 0,
  'only-disabled': 0,
  excluded: 0,
  overlapping: 0,
  covered: 0,
});

/** The report over the guests the filter keeps: each guest, and counts per cluster, node, pool and tag. */
export function coverageReport(
  entries: readonly GuestCoverage[],
  filter: CoverageFilter = {},
): CoverageReport {
  const kept = entries.filter((entry) => matchesCoverageFilter(entry, filter));
  const totals = emptyCounts();
  const groups = { byCluster: {}, byNode: {}, byPool: {}, byTag: {} } as Record<
    'byCluster' | 'byNode' | 'byPool' | 'byTag',
    Record<string, ReturnType<typeof emptyCounts>>
  >;
  const count = (group: keyof typeof groups, key: string, state: CoverageState) => {
    const counts = groups[group][key] ?? emptyCounts();
    counts.guests++;
    counts[state]++;
    groups[group][key] = counts;
  };
  for (const { guest, state } of kept) {
    totals.guests++;
    totals[state]++;
    count('byCluster', guest.clusterId, state);
    // Node names repeat across clusters: counted per cluster.
    count('byNode', `${guest.clusterId}/${guest.node}`, state);
    if (guest.pool !== undefined) count('byPool', guest.pool, state);
    for (const tag of guest.tags) count('byTag', tag, state);
  }
  return { guests: kept, totals, ...groups };
}
