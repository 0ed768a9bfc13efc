import { type DomainEvent, domainEvent } from '#shared/domain/notifications/events.ts';
import type { Run, RunGuestResult } from '#shared/domain/run.ts';

/** Failures listed in a run's event (and its email); the run itself lists all. */
const MAX_LISTED_FAILURES = 50;

/** The event for a finished run: succeeded, partially failed or failed (a skipped run has none). */
export function runFinishedEvent(
  run: Run,
  results: readonly RunGuestResult[],
  now: number,
): DomainEvent | undefined {
  const type =
    run.status === 'completed'
      ? 'run.succeeded'
      : run.status === 'partial'
        ? 'run.partially_failed'
        : run.status === 'failed'
          ? 'run.failed'
          : undefined;
  if (!type) return undefined;
  const failures = results.filter((result) => result.outcome === 'failed');
  return domainEvent({
    tenantId: run.tenantId,
    type,
    subject: run.id,
    time: now,
    policyId: run.policyId,
    data: {
      runId: run.id,
      policyId: run.policyId,
      policyName: run.policyName,
      scheduledTime: run.scheduledTime,
      trigger: run.trigger,
      status: run.status,
      targets: run.targets,
      succeeded: run.succeeded,
      failed: run.failed,
      ...(run.reason ? { reason: run.reason } : {}),
      failures: failures.slice(0, MAX_LISTED_FAILURES).map((failure) => ({
        guestId: failure.guestId,
        vmid: failure.vmid,
        node: failure.node,
        snapshotName: failure.snapshotName,
        error: failure.error,
      })),
      ...(failures.length > MAX_LISTED_FAILURES
        ? { moreFailures: failures.length - MAX_LISTED_FAILURES }
        : {}),
    },
  });
}
