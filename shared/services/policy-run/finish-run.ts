import { NotFoundError } from '#shared/domain/errors.ts';
import { finalRunStatus, type Run } from '#shared/domain/run.ts';
import { runFinishedEvent } from '../notifications/outcome-events.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * Last step of a policy run: sets the final status from the counts (completed, partial,
 * failed, skipped) and publishes the run's event (`run.succeeded`, `run.partially_failed`,
 * `run.failed`), once: a repeated finish publishes the same event id again.
 */
export async function finishRun(deps: ServiceDeps, input: { tenantId: string; runId: string }): Promise<Run> {
  const run = await deps.store.runs.get(input.tenantId, input.runId);
  if (!run) throw new NotFoundError('run', input.runId);
  const status = finalRunStatus(run);
  const finishedAt = new Date(deps.now()).toISOString();
  const unrecorded = run.targets - run.succeeded - run.failed;
  const reason =
    unrecorded > 0 ? `${unrecorded} of ${run.targets} guests have no recorded result` : undefined;
  await deps.store.runs.update(input.tenantId, input.runId, {
    status,
    finishedAt,
    ...(reason ? { reason } : {}),
  });
  const finished: Run = { ...run, status, finishedAt, ...(reason ? { reason } : {}) };
  const event = runFinishedEvent(
    finished,
    await deps.store.runs.results(input.tenantId, input.runId),
    deps.now(),
  );
  if (event) await deps.events.publish([event]);
  return finished;
}
