import type { AuditContext } from '#shared/domain/audit.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import { type Run, type RunGuestResult, runIdFor } from '#shared/domain/run.ts';
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
 * "Run now": records a pending run for this moment, audits it, and starts the policy-run
 * workflow, which takes the run over when it claims the tick.
 */
export async function runPolicyNow(deps: RunDeps, context: AuditContext, policyId: string): Promise<Run> {
  await authorize(deps, context, 'operate', {
    action: 'policy.run',
    resourceType: 'policy',
    resourceId: policyId,
  });
  const policy = await getPolicy(deps, context, policyId);
  const now = new Date(deps.now());
  const scheduledTime = now.toISOString();
  const run: Run = {
    id: runIdFor(policy.id, scheduledTime),
    tenantId: context.principal.tenantId,
    policyId: policy.id,
    policyName: policy.name,
    scheduledTime,
    trigger: 'manual',
    status: 'pending',
    targets: 0,
    succeeded: 0,
    failed: 0,
    createdAt: scheduledTime,
  };
  await deps.store.runs.claim(run);
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
    });
  } catch (error) {
    await deps.store.runs.update(run.tenantId, run.id, {
      status: 'failed',
      reason: `the workflow did not start: ${(error as Error).message}`,
    });
    throw error;
  }
  return run;
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
