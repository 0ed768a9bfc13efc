import type { Logger } from '@aws-lambda-powertools/logger';
import type { Operation } from '#shared/domain/operation.ts';
import type { Run } from '#shared/domain/run.ts';
import type { PolicyRunInput } from '#shared/ports/workflow-starter.ts';
import type { finishOperation } from '#shared/services/guest-operations/finish-operation.ts';

export interface CrashRecoveryDeps {
  /** Runs a crash left unfinished (pending or running). */
  readonly unfinishedRuns: () => Promise<readonly Run[]>;
  /** Guest operations a crash left unfinished (pending or running). */
  readonly unfinishedOperations: () => Promise<readonly Operation[]>;
  /** Starts a policy-run execution under the given name. */
  readonly startPolicyRun: (executionName: string, input: PolicyRunInput) => void;
  /** Starts the guest-operation execution of an operation. */
  readonly startGuestOperation: (
    operationId: string,
    input: { tenantId: string; operationId: string },
  ) => void;
  /** Ends an operation as the workflow's last step would. */
  readonly finishOperation: (input: Parameters<typeof finishOperation>[1]) => Promise<unknown>;
  readonly logger: Pick<Logger, 'warn'>;
}

/** What recovery did, by id. */
export interface CrashRecoveryReport {
  readonly resumedRuns: readonly string[];
  readonly startedOperations: readonly string[];
  readonly failedOperations: readonly string[];
}

/**
 * Picks up what a crash (or a stop) of the local runtime left half done, once at start-up.
 * Unfinished runs are resumed: every step of a run is idempotent, so running it again only
 * finishes it. A guest operation that never started is started now; one that was running is
 * failed with a clear reason, never run again half-way (a restore must not roll back twice or
 * take a second safety snapshot behind the operator's back).
 */
export async function recoverAfterCrash(deps: CrashRecoveryDeps): Promise<CrashRecoveryReport> {
  const resumedRuns: string[] = [];
  const startedOperations: string[] = [];
  const failedOperations: string[] = [];
  for (const run of await deps.unfinishedRuns()) {
    deps.logger.warn('resuming an unfinished policy run', {
      runId: run.id,
      tenantId: run.tenantId,
      policyId: run.policyId,
    });
    // A name of its own: the interrupted execution's name is taken.
    deps.startPolicyRun(`${run.id}-resume`, {
      tenantId: run.tenantId,
      policyId: run.policyId,
      scheduledTime: run.scheduledTime,
      trigger: run.trigger,
      runId: run.id,
      resume: true,
    });
    resumedRuns.push(run.id);
  }
  for (const operation of await deps.unfinishedOperations()) {
    if (operation.status === 'pending') {
      deps.logger.warn('starting a guest operation a restart interrupted', { operationId: operation.id });
      deps.startGuestOperation(operation.id, { tenantId: operation.tenantId, operationId: operation.id });
      startedOperations.push(operation.id);
      continue;
    }
    deps.logger.warn('failing a guest operation a restart interrupted', { operationId: operation.id });
    await deps.finishOperation({
      tenantId: operation.tenantId,
      operationId: operation.id,
      outcome: 'failed',
      error: {
        Error: 'Interrupted',
        Cause: `the local runtime stopped while this operation ran (steps: ${(operation.steps ?? []).join(', ') || 'not planned yet'}); check the guest in Proxmox before trying again`,
      },
    });
    failedOperations.push(operation.id);
  }
  return { resumedRuns, startedOperations, failedOperations };
}
