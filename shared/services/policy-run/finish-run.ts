import { NotFoundError } from '#shared/domain/errors.ts';
import { finalRunStatus, type Run } from '#shared/domain/run.ts';
import { runFinishedEvent } from '../notifications/outcome-events.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * The run's execution ended without `FinishRun` (failed, timed out or stopped): the run ends
 * `failed` (`cancelled` when stopped), with the execution's reason.
 */
export interface ExecutionEnd {
  readonly status: 'failed' | 'cancelled';
  readonly reason: string;
}

/** Finishing gives up after this many cancels asked for between its read and its write. */
const MAX_ATTEMPTS = 5;

/**
 * Last step of a policy run:
 * 1. decides the final status from the counts (succeeded, partially_failed, failed, skipped),
 *    or `cancelled` when an operator cancelled it (the guests it kept from starting are
 *    `notStarted`),
 * 2. first stops counting (a result recorded from then on is late), so the counts it decides from
 *    are final and the status always agrees with the counted results; writes it only if the run
 *    has not ended and no cancel was asked for since it read the run (otherwise it decides again),
 *    (an execution that ended without this step, `executionEnded`, ends it `failed` or `cancelled`
 *    with the execution's reason),
 * 3. publishes the run's event (`run.succeeded`, `run.partially_failed`, `run.failed`,
 *    `run.cancelled`) once: a repeated finish publishes the same event id again.
 */
export async function finishRun(
  deps: ServiceDeps,
  input: { tenantId: string; runId: string; executionEnded?: ExecutionEnd },
): Promise<Run> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Closing the counting of a run that has ended changes nothing and reads it as it is.
    const run = await deps.store.runs.closeCounting(input.tenantId, input.runId);
    if (!run) throw new NotFoundError('run', input.runId);
    // Ended already (a retried step): its event again, under the same id.
    if (run.status !== 'running') return await publish(deps, run);
    const ended = input.executionEnded;
    const cancelled = run.cancelRequestedAt !== undefined || ended?.status === 'cancelled';
    const status = ended && !cancelled ? 'failed' : finalRunStatus(run, cancelled);
    const finishedAt = new Date(deps.now()).toISOString();
    const unrecorded = Math.max(0, run.targets - run.succeeded - run.failed);
    const reasons = [
      ended?.reason,
      run.cancelRequestedAt !== undefined
        ? `cancelled by ${run.cancelledBy ?? 'an operator'} at ${run.cancelRequestedAt}`
        : undefined,
      unrecorded > 0
        ? `${unrecorded} of ${run.targets} guests ${cancelled ? 'were not started' : 'have no recorded result'}`
        : undefined,
    ].filter((part) => part !== undefined);
    const reason = reasons.length > 0 ? reasons.join('; ') : undefined;
    const end = {
      status,
      finishedAt,
      ...(reason ? { reason } : {}),
      ...(cancelled ? { notStarted: unrecorded } : {}),
    };
    if (await deps.store.runs.finish(input.tenantId, input.runId, run, end))
      return await publish(deps, { ...run, ...end });
  }
  throw new Error(`run '${input.runId}' kept changing while it was being finished`);
}

/** Publishes the ended run's event and hands the run back. */
async function publish(deps: ServiceDeps, run: Run): Promise<Run> {
  const event = runFinishedEvent(run, await deps.store.runs.results(run.tenantId, run.id), deps.now());
  if (event) await deps.events.publish([event]);
  return run;
}
