import { type Exclusion, isExclusionActive } from './exclusion.ts';
import type { Guest } from './guest.ts';
import type { Policy } from './policy.ts';
import { isRestoreTestGuest } from './restore-test/isolation.ts';

/** What selection reads of a policy (restore tests select guests the same way). */
type Selecting = Pick<Policy, 'id' | 'selector'>;

export const EXCLUSION_REASONS = [
  'template',
  'gone',
  'not-selected',
  'excluded-by-selector',
  'excluded',
  'wrong-cluster',
  'restore-test',
] as const;
type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface TargetSelection {
  readonly targets: Guest[];
  readonly left: Array<{ readonly guest: Guest; readonly reason: ExclusionReason; readonly detail?: string }>;
}

/** Whether the selector names this guest by id, tag, pool, node or `all`. */
function selected(policy: Selecting, guest: Guest): boolean {
  const { selector } = policy;
  return (
    selector.all ||
    selector.guests.includes(guest.id) ||
    selector.tags.some((tag) => guest.tags.includes(tag)) ||
    (guest.pool !== undefined && selector.pools.includes(guest.pool)) ||
    selector.nodes.includes(guest.node)
  );
}

/** The exclusion record that keeps this guest out of this policy (one for it, or one for every policy). */
export function exclusionFor(
  policy: Pick<Policy, 'id'>,
  guest: Guest,
  activeExclusions: readonly Exclusion[],
): Exclusion | undefined {
  return activeExclusions.find(
    (candidate) =>
      candidate.guestId === guest.id &&
      (candidate.policyId === undefined || candidate.policyId === policy.id),
  );
}

/**
 * The guests a policy snapshots now, and why each other guest is left out. Templates cannot be
 * snapshotted; gone guests no longer exist; selector exclusions and exclusion records in force
 * (for this policy or for all) win over every inclusion.
 */
export function selectTargets(
  policy: Selecting,
  guests: readonly Guest[],
  exclusions: readonly Exclusion[],
  nowMs: number,
): TargetSelection {
  const active = exclusions.filter((exclusion) => isExclusionActive(exclusion, nowMs));
  const targets: Guest[] = [];
  const left: TargetSelection['left'] = [];
  for (const guest of guests) {
    if (!selected(policy, guest)) {
      left.push({ guest, reason: 'not-selected' });
      continue;
    }
    if (guest.gone) {
      left.push({ guest, reason: 'gone' });
      continue;
    }
    if (guest.template) {
      left.push({ guest, reason: 'template' });
      continue;
    }
    // A restore test's short-lived copy is never a target: it is destroyed minutes later.
    if (isRestoreTestGuest(guest.tags)) {
      left.push({ guest, reason: 'restore-test' });
      continue;
    }
    if (
      policy.selector.exclude.guests.includes(guest.id) ||
      policy.selector.exclude.tags.some((tag) => guest.tags.includes(tag))
    ) {
      left.push({ guest, reason: 'excluded-by-selector' });
      continue;
    }
    const exclusion = exclusionFor(policy, guest, active);
    if (exclusion) {
      left.push({ guest, reason: 'excluded', detail: exclusion.reason });
      continue;
    }
    targets.push(guest);
  }
  return { targets, left };
}
