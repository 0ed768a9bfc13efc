import type { LaneRef, PolicyRunInput } from './policy-run/work-item.ts';

/** Starts workflows: Step Functions in AWS, aws-local-stepfunctions in the local runtime. */
export interface WorkflowStarter {
  /** Starts the policy run for a tick; the execution is named after the run, so a duplicate start is a no-op. */
  startPolicyRun(runId: string, input: PolicyRunInput): Promise<void>;
  /** Starts the guest-operation workflow (manual snapshot, delete, restore) for an operation. */
  startGuestOperation(operationId: string, input: { tenantId: string; operationId: string }): Promise<void>;
  /** Starts a stored prune-only lane (the policy run's lane state machine) for the daily sweep; a duplicate name is a no-op. */
  startPruneLane(name: string, lane: LaneRef): Promise<void>;
}
