import { failed, type RestoreTestRun, runStatus } from '#shared/domain/restore-test/restore-test.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { removeLeftovers } from './leftovers.ts';

/**
 * Ends a run that lost its workflow: each unfinished guest fails with `guestReason`, the run ends
 * with `reason` (its test guests are left to the reconciliation, which removes them).
 */
export async function endLostRestoreTestRun(
  deps: ServiceDeps,
  run: RestoreTestRun,
  guestReason: string,
  reason: string,
): Promise<void> {
  const now = new Date(deps.now()).toISOString();
  const items = (run.items ?? []).map((item) =>
    item.phase === 'done'
      ? item
      : { ...failed(item, guestReason, now), phase: 'done' as const, endedAt: now },
  );
  await deps.store.restoreTestRuns.save({
    ...run,
    items,
    status: items.length === 0 ? 'failed' : runStatus(items),
    endedAt: now,
    reason,
  });
}

/**
 * After a crash of the local runtime: restore-test runs still `running` lost their workflow.
 * They are not run again half-way: each unfinished guest fails with a clear reason and the run
 * ends; then the reconciliation removes the test guests they left (the same one every run and
 * the daily sweep do). Answers the test guests removed.
 */
export async function endInterruptedRestoreTests(deps: ServiceDeps): Promise<number[]> {
  const removed: number[] = [];
  const tenants = new Set<string>();
  for (const run of await deps.store.restoreTestRuns.unfinished()) {
    await endLostRestoreTestRun(
      deps,
      run,
      'the service restarted during the test',
      'interrupted: the service restarted during the run',
    );
    tenants.add(run.tenantId);
  }
  for (const tenantId of tenants) removed.push(...(await removeLeftovers(deps, tenantId).catch(() => [])));
  return removed;
}
