import { type DomainEvent, domainEvent } from '#shared/domain/notifications/events.ts';
import type { Run, RunGuestResult, RunStatus } from '#shared/domain/run.ts';

/** Failures listed in a run's event (and its email); the run itself lists all. */
const MAX_LISTED_FAILURES = 50;

/** A run's event type is its status: `run.<status>` (a skipped or running run has none). */
const EVENT_OF_STATUS = {
  succeeded: 'run.succeeded',
  partially_failed: 'run.partially_failed',
  failed: 'run.failed',
  cancelled: 'run.cancelled',
} as const satisfies Partial<Record<RunStatus, string>>;

/** The event for a finished run: succeeded, partially failed, failed or cancelled (a skipped run has none). */
export function runFinishedEvent(
  run: Run,
  results: readonly RunGuestResult[],
  now: number,
): DomainEvent | undefined {
  const type = EVENT_OF_STATUS[run.status as keyof typeof EVENT_OF_STATUS];
  if (!type) return undefined;
  // Late results (a lane given up) are not the run's: its counts and status leave them out too.
  const failures = results.filter((result) => result.outcome === 'failed' && !result.late);
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
      ...(run.notStarted !== undefined ? { notStarted: run.notStarted } : {}),
      ...(run.cancelledBy ? { cancelledBy: run.cancelledBy } : {}),
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
