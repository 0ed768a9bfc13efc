import type { Exclusion } from './exclusion.ts';
import type { Guest } from './guest.ts';
import type { Policy } from './policy.ts';
import { selectTargets } from './select-targets.ts';

/**
 * The guests no enabled policy would snapshot now, decided as a run decides its targets.
 * Templates and gone guests are left out: they cannot be snapshotted, so no policy can protect them.
 */
export function unprotectedGuests(
  guests: readonly Guest[],
  policies: readonly Policy[],
  exclusions: readonly Exclusion[],
  nowMs: number,
): Guest[] {
  const candidates = guests.filter((guest) => !guest.template && !guest.gone);
  const covered = new Set<string>();
  for (const policy of policies) {
    if (!policy.enabled) continue;
    for (const target of selectTargets(policy, candidates, exclusions, nowMs).targets) covered.add(target.id);
  }
  return candidates.filter((guest) => !covered.has(guest.id));
}
