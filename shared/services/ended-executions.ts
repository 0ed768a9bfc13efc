import { runIdFor } from '#shared/domain/run.ts';
import { finishOperation } from './guest-operations/finish-operation.ts';
import { finishRun } from './policy-run/finish-run.ts';
import { endLostRestoreTestRun } from './restore-tests/interrupted.ts';
import { removeLeftovers } from './restore-tests/leftovers.ts';
import { restoreTestRunIdFor } from './restore-tests/restore-tests.ts';
import type { ServiceDeps } from './service-deps.ts';

/** How Step Functions says an execution ended without reaching its last step. */
type EndedStatus = 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** An execution of one of the service's workflows that ended that way. */
export interface EndedExecution {
  readonly workflow: 'policy-run' | 'guest-operation' | 'restore-test';
  readonly status: EndedStatus;
  /** The execution's input, as it was started. */
  readonly input: unknown;
  readonly error?: string;
  readonly cause?: string;
}

const MAX_CAUSE = 1000;

const STATUS_WORDS: Record<EndedStatus, string> = {
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  ABORTED: 'was stopped',
};

/** The reason recorded on the run or operation: the execution's status, error and cause. */
function endedReason(ended: EndedExecution): string {
  // A Lambda's cause can carry a whole stack trace: the reason keeps its start.
  const detail = [ended.error, ended.cause?.slice(0, MAX_CAUSE)].filter(Boolean).join(': ');
  return `the ${ended.workflow} execution ${STATUS_WORDS[ended.status]} (${ended.status})${detail ? `: ${detail}` : ''}`;
}

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * Finishes the run or operation whose execution failed, timed out or was stopped before its last
 * step, which would otherwise stay `running` forever (EventBridge's status change in AWS, the local
 * runner's end of an execution locally):
 * 1. a policy run still `running` ends `failed` (`cancelled` when stopped) with the reason, and
 *    its `run.<status>` event is published by `finishRun`, under the run's event id;
 * 2. a guest operation still `pending` or `running` ends `failed` with the reason through
 *    `finishOperation` (what it did is recorded first, as when the workflow fails it);
 * 3. a run or operation that has ended already, or that the execution never created (it failed
 *    before claiming its tick), is left as it is: a repeated status change publishes nothing.
 */
export async function finishEndedExecution(deps: ServiceDeps, ended: EndedExecution): Promise<string> {
  const input = (ended.input ?? {}) as Record<string, unknown>;
  const tenantId = text(input.tenantId);
  if (!tenantId) return 'ignored: no tenant in the execution input';
  const reason = endedReason(ended);
  if (ended.workflow === 'policy-run') {
    const policyId = text(input.policyId);
    const scheduledTime = text(input.scheduledTime);
    const runId =
      text(input.runId) ?? (policyId && scheduledTime ? runIdFor(policyId, scheduledTime) : undefined);
    if (!runId) return 'ignored: no run in the execution input';
    const run = await deps.store.runs.get(tenantId, runId);
    if (run?.status !== 'running') return `ignored: run ${runId} is ${run?.status ?? 'unknown'}`;
    const finished = await finishRun(deps, {
      tenantId,
      runId,
      executionEnded: { status: ended.status === 'ABORTED' ? 'cancelled' : 'failed', reason },
    });
    return `run ${runId} ${finished.status}`;
  }
  if (ended.workflow === 'restore-test') return await finishRestoreTest(deps, input, tenantId, reason);
  const operationId = text(input.operationId);
  if (!operationId) return 'ignored: no operation in the execution input';
  const operation = await deps.store.operations.get(tenantId, operationId);
  if (!operation || operation.status === 'succeeded' || operation.status === 'failed')
    return `ignored: operation ${operationId} is ${operation?.status ?? 'unknown'}`;
  await finishOperation(deps, {
    tenantId,
    operationId,
    outcome: 'failed',
    error: { Error: ended.error ?? `Execution${ended.status}`, Cause: reason },
  });
  return `operation ${operationId} failed`;
}

/**
 * 4. A restore-test run still `running` ends: its unfinished guests fail with the reason, and the
 *    reconciliation removes the test guests it left at once (they would otherwise wait for the
 *    next run of the tenant's tests or the daily sweep).
 */
async function finishRestoreTest(
  deps: ServiceDeps,
  input: Record<string, unknown>,
  tenantId: string,
  reason: string,
): Promise<string> {
  const testId = text(input.restoreTestId);
  const scheduledTime = text(input.scheduledTime);
  const runId =
    text(input.runId) ?? (testId && scheduledTime ? restoreTestRunIdFor(testId, scheduledTime) : undefined);
  if (!runId) return 'ignored: no restore-test run in the execution input';
  const run = await deps.store.restoreTestRuns.get(tenantId, runId);
  if (run?.status !== 'running') return `ignored: restore-test run ${runId} is ${run?.status ?? 'unknown'}`;
  await endLostRestoreTestRun(deps, run, reason, reason);
  const removed = await removeLeftovers(deps, tenantId).catch(() => []);
  return `restore-test run ${runId} ended; test guests removed: ${removed.length}`;
}
