import { STORAGE_GUARD_REASON } from './storage/storage-guard.ts';

/** Errors that mean the run chose not to start a guest (nothing reached Proxmox), by the reason shown. */
const SKIP_REASONS: Readonly<Record<string, string>> = {
  StorageGuardError: STORAGE_GUARD_REASON,
  // The plan lacks the feature or a quota is reached; the result's error says which.
  QuotaExceededError: 'quota',
  PlanFeatureError: 'quota',
  // A pre hook failed under `onFailure: abort`; the result's error names the hook and why.
  HookAbortedError: 'hook',
};

/** The `skipped` and `reason` fields of a guest's result whose failure was the run's own choice. */
export function skipOf(errorType: string | undefined): { skipped?: true; reason?: string } {
  const reason = errorType === undefined ? undefined : SKIP_REASONS[errorType];
  return reason ? { skipped: true, reason } : {};
}

/** How many guests a run skipped, by reason (`{"storage-guard": 2}`); empty when it skipped none. */
export function skippedByReason(
  results: ReadonlyArray<{ readonly skipped?: true; readonly reason?: string }>,
) {
  const counts: Record<string, number> = {};
  for (const result of results) {
    if (result.skipped && result.reason) counts[result.reason] = (counts[result.reason] ?? 0) + 1;
  }
  return counts;
}
