import { runIdFor } from '#shared/domain/run.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { PolicyRunInput } from './work-item.ts';

export interface ClaimResult {
  readonly claimed: boolean;
  readonly runId: string;
}

/**
 * Step 1 of a policy run: claims the tick with a conditional write keyed by policy and
 * scheduled time (or the id "run now" gave the run), so a re-delivered or duplicated start is a
 * no-op. A deleted policy claims nothing. A resumed run (after a crash) takes its unfinished run
 * over again; every later step is idempotent, so finishing it takes no snapshot twice and loses
 * no record.
 */
export async function claimRun(deps: ServiceDeps, input: PolicyRunInput): Promise<ClaimResult> {
  const runId = input.runId ?? runIdFor(input.policyId, input.scheduledTime);
  const policy = await deps.store.policies.get(input.tenantId, input.policyId);
  if (!policy) return { claimed: false, runId };
  const now = new Date(deps.now()).toISOString();
  if (input.resume) return { claimed: await deps.store.runs.resume(input.tenantId, runId, now), runId };
  const claimed = await deps.store.runs.claim({
    id: runId,
    tenantId: input.tenantId,
    policyId: input.policyId,
    policyName: policy.name,
    scheduledTime: input.scheduledTime,
    trigger: input.trigger,
    status: 'running',
    targets: 0,
    succeeded: 0,
    failed: 0,
    createdAt: now,
    startedAt: now,
  });
  return { claimed, runId };
}
