import { NotFoundError } from '#shared/domain/errors.ts';
import { finalRunStatus, type Run } from '#shared/domain/run.ts';
import { runFinishedEvent } from '../notifications/outcome-events.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** Finishing gives up after this many changes of the counts under it (each one is a result recorded meanwhile). */
const MAX_ATTEMPTS = 20;

/**
 * Last step of a policy run:
 * 1. decides the final status from the counts (succeeded, partially_failed, failed, skipped),
 *    or `cancelled` when an operator cancelled it (the guests it kept from starting are
 *    `notStarted`),
 * 2. writes it only if the run has not ended and its counts are still the ones decided from
 *    (otherwise it reads them again), so the status always agrees with the counted results,
 * 3. publishes the run's event (`run.succeeded`, `run.partially_failed`, `run.failed`,
 *    `run.cancelled`) once: a repeated finish publishes the same event id again.
 */
export async function finishRun(deps: ServiceDeps, input: { tenantId: string; runId: string }): Promise<Run> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const run = await deps.store.runs.get(input.tenantId, input.runId);
    if (!run) throw new NotFoundError('run', input.runId);
    if (run.status !== 'running') {
      // Ended already (a retried step): its event again, under the same id.
      await publish(deps, run);
      return run;
    }
    const cancelled = run.cancelRequestedAt !== undefined;
    const status = finalRunStatus(run, cancelled);
    const finishedAt = new Date(deps.now()).toISOString();
    const unrecorded = Math.max(0, run.targets - run.succeeded - run.failed);
    const reason = cancelled
      ? `cancelled by ${run.cancelledBy ?? 'an operator'} at ${run.cancelRequestedAt}${
          unrecorded > 0 ? `; ${unrecorded} of ${run.targets} guests were not started` : ''
        }`
      : unrecorded > 0
        ? `${unrecorded} of ${run.targets} guests have no recorded result`
        : undefined;
    const end = {
      status,
      finishedAt,
      ...(reason ? { reason } : {}),
      ...(cancelled ? { notStarted: unrecorded } : {}),
    };
    if (await deps.store.runs.finish(input.tenantId, input.runId, run, end)) {
      const finished: Run = { ...run, ...end };
      await publish(deps, finished);
      return finished;
    }
  }
  throw new Error(`run '${input.runId}' kept changing while it was being finished`);
}

async function publish(deps: ServiceDeps, run: Run): Promise<void> {
  const event = runFinishedEvent(run, await deps.store.runs.results(run.tenantId, run.id), deps.now());
  if (event) await deps.events.publish([event]);
}
