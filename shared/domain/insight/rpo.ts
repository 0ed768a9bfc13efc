import type { Policy } from '#shared/domain/policy.ts';
import type { GuestCoverage } from './coverage.ts';
import { RECOVERY_KINDS, type RecoveryKind } from './policy-kind.ts';
import { expectedIntervalMs } from './rpo-interval.ts';

/**
 * `ok`: the newest good recovery point is within the interval plus the grace; `late`: older;
 * `missed`: older than two intervals plus the grace (at least one whole tick produced nothing);
 * `never`: the guest has no good recovery point of that kind at all.
 */
export const RPO_STATES = ['ok', 'late', 'missed', 'never'] as const;
export type RpoState = (typeof RPO_STATES)[number];

/**
 * The slack after an interval before a guest counts as late: a quarter of the interval, so a
 * run that takes a while (a large fleet, a start window) is not late, and a minute-level
 * schedule still turns late within a minute or so.
 */
const RPO_GRACE_FRACTION = 0.25;

export const graceMs = (intervalMs: number) => Math.round(intervalMs * RPO_GRACE_FRACTION);

/** A policy's promised interval: its `rpo` (minutes) when set, otherwise derived from its cron. */
export function policyIntervalMs(policy: Policy, nowMs: number): number {
  return policy.rpo !== undefined
    ? policy.rpo * 60_000
    : expectedIntervalMs(policy.schedule.cron, policy.schedule.timezone, nowMs);
}

export interface RpoStatus {
  readonly state: RpoState;
  readonly intervalMs: number;
  /** Creation time of the newest good recovery point (epoch ms). */
  readonly newestMs?: number;
  readonly ageMs?: number;
  /**
   * Whether an operator must look: late or missed, or never any point though the guest has been
   * expected to have one for longer than the interval plus the grace.
   */
  readonly breached: boolean;
  /**
   * When the breach began, derived from the data (newest point, or since when a point was
   * expected, plus the interval and grace), so every check names the same episode.
   */
  readonly breachedSinceMs?: number;
}

/**
 * One guest's state for one kind: `newestMs` its newest good recovery point, `expectedSinceMs`
 * since when it has been expected to have one (the later of its policy's creation and the guest's
 * first sighting), `intervalMs` the shortest interval of the policies that take it.
 */
export function rpoStatus(input: {
  newestMs: number | undefined;
  expectedSinceMs: number;
  intervalMs: number;
  nowMs: number;
}): RpoStatus {
  const { newestMs, expectedSinceMs, intervalMs, nowMs } = input;
  const grace = graceMs(intervalMs);
  if (newestMs === undefined) {
    const since = expectedSinceMs + intervalMs + grace;
    return since < nowMs
      ? { state: 'never', intervalMs, breached: true, breachedSinceMs: since }
      : { state: 'never', intervalMs, breached: false };
  }
  const ageMs = Math.max(0, nowMs - newestMs);
  const base = { intervalMs, newestMs, ageMs };
  if (ageMs <= intervalMs + grace) return { ...base, state: 'ok', breached: false };
  const breachedSinceMs = newestMs + intervalMs + grace;
  return {
    ...base,
    state: ageMs > 2 * intervalMs + grace ? 'missed' : 'late',
    breached: true,
    breachedSinceMs,
  };
}

/** A good recovery point of a guest: its kind and when it was made. */
export interface RecoveryPoint {
  readonly kind: RecoveryKind;
  readonly createdMs: number;
  /** The policy that made it (a backup's, to tell an off-site copy's archives from backups). */
  readonly policyId?: string;
}

export interface GuestRpo {
  readonly coverage: GuestCoverage;
  /** Per kind a policy that takes the guest makes; a kind no policy makes is absent. */
  readonly kinds: Partial<Record<RecoveryKind, RpoStatus & { readonly policyIds: readonly string[] }>>;
  /** The newest good point per kind, also for kinds no policy makes (manual, external ones). */
  readonly newest: Partial<Record<RecoveryKind, number>>;
}

/**
 * Every guest a policy takes (enabled or disabled: disabling a policy does not lower what was
 * promised, it is the silent failure the monitor is for), against its newest good recovery
 * points. `intervals` holds each policy's interval by id.
 */
export function guestRpo(input: {
  coverage: GuestCoverage;
  points: readonly RecoveryPoint[];
  policies: ReadonlyMap<string, { readonly intervalMs: number; readonly createdMs: number }>;
  nowMs: number;
}): GuestRpo {
  const { coverage, points, policies, nowMs } = input;
  const newest: Partial<Record<RecoveryKind, number>> = {};
  for (const point of points) {
    const seen = newest[point.kind];
    if (seen === undefined || point.createdMs > seen) newest[point.kind] = point.createdMs;
  }
  const kinds: GuestRpo['kinds'] = {};
  const guestSeenMs = Date.parse(coverage.guest.firstSeenAt);
  for (const kind of RECOVERY_KINDS) {
    const taking = coverage.policies.filter((policy) => policy.kind === kind && policies.has(policy.id));
    if (taking.length === 0) continue;
    const facts = taking.map((policy) => policies.get(policy.id) ?? { intervalMs: 0, createdMs: 0 });
    const intervalMs = Math.min(...facts.map((fact) => fact.intervalMs));
    const expectedSinceMs = Math.max(guestSeenMs, Math.min(...facts.map((fact) => fact.createdMs)));
    kinds[kind] = {
      ...rpoStatus({ newestMs: newest[kind], expectedSinceMs, intervalMs, nowMs }),
      policyIds: taking.map((policy) => policy.id),
    };
  }
  return { coverage, kinds, newest };
}
