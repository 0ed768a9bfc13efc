import type { AuditContext } from '#shared/domain/audit.ts';
import { ConflictError, NotFoundError } from '#shared/domain/errors.ts';
import type { Run, RunGuestResult } from '#shared/domain/run.ts';
import type { WorkflowStarter } from '#shared/ports/workflow-starter.ts';
import { auditEvent, authorize } from './audit-trail.ts';
import { getPolicy } from './policies.ts';
import type { ServiceDeps } from './service-deps.ts';

export interface RunDeps extends ServiceDeps {
  readonly workflows: WorkflowStarter;
}

export type RunView = Omit<Run, 'tenantId'>;
export const runView = ({ tenantId: _tenantId, ...run }: Run): RunView => run;

/**
 * "Run now": records a `running` run for this moment under an id of its own (two requests are
 * two runs, however close together), audits it, and starts the policy-run workflow, which takes
 * the run over when it claims it. A workflow that cannot be started ends the run as failed.
 */
export async function runPolicyNow(deps: RunDeps, context: AuditContext, policyId: string): Promise<Run> {
  await authorize(deps, context, 'operate', {
    action: 'policy.run',
    resourceType: 'policy',
    resourceId: policyId,
  });
  const policy = await getPolicy(deps, context, policyId);
  const scheduledTime = new Date(deps.now()).toISOString();
  const run: Run = {
    id: deps.ids.next('run'),
    tenantId: context.principal.tenantId,
    policyId: policy.id,
    policyName: policy.name,
    scheduledTime,
    trigger: 'manual',
    status: 'running',
    targets: 0,
    succeeded: 0,
    failed: 0,
    createdAt: scheduledTime,
    startedAt: scheduledTime,
  };
  await deps.store.runs.create(run);
  await deps.store.audit.record(
    auditEvent(deps, context, {
      action: 'policy.run',
      resourceType: 'policy',
      resourceId: policy.id,
      after: { runId: run.id },
    }),
  );
  try {
    await deps.workflows.startPolicyRun(run.id, {
      tenantId: run.tenantId,
      policyId: run.policyId,
      scheduledTime,
      trigger: 'manual',
      runId: run.id,
    });
  } catch (error) {
    await deps.store.runs.fail(
      run.tenantId,
      run.id,
      new Date(deps.now()).toISOString(),
      `the workflow did not start: ${(error as Error).message}`,
    );
    throw error;
  }
  return run;
}

/**
 * Cancels a running run: no guest is started from now on, snapshots already sent to Proxmox
 * finish and are recorded, and the run then ends `cancelled` (its workflow's last step, which
 * publishes `run.cancelled` once). Asking again changes nothing; a run that has ended cannot be
 * cancelled (409). Audited with the request.
 */
export async function cancelRun(deps: ServiceDeps, context: AuditContext, runId: string): Promise<Run> {
  await authorize(deps, context, 'operate', { action: 'run.cancel', resourceType: 'run', resourceId: runId });
  const tenantId = context.principal.tenantId;
  const run = await deps.store.runs.get(tenantId, runId);
  if (!run) throw new NotFoundError('run', runId);
  const ended = (status: string) =>
    new ConflictError(`run '${runId}' has ended (${status}); only a running run can be cancelled`);
  if (run.status !== 'running') throw ended(run.status);
  const at = new Date(deps.now()).toISOString();
  const audit = deps.store.audit.entry(
    auditEvent(deps, context, {
      action: 'run.cancel',
      resourceType: 'run',
      resourceId: runId,
      before: { status: run.status },
      after: { cancelRequestedAt: run.cancelRequestedAt ?? at },
    }),
  );
  const requested = await deps.store.runs.requestCancel(
    tenantId,
    runId,
    { at, by: context.principal.subject },
    audit,
  );
  const now = await deps.store.runs.get(tenantId, runId);
  if (!now) throw new NotFoundError('run', runId);
  if (!requested) throw ended(now.status);
  return now;
}

export async function getRun(
  deps: ServiceDeps,
  context: AuditContext,
  runId: string,
): Promise<{ run: Run; results: RunGuestResult[] }> {
  const run = await deps.store.runs.get(context.principal.tenantId, runId);
  if (!run) throw new NotFoundError('run', runId);
  return { run, results: await deps.store.runs.results(context.principal.tenantId, runId) };
}
