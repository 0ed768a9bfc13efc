import type { LaneRef } from '#shared/domain/lane.ts';

/** The input every policy run starts with (from the schedule or from "run now"). */
export interface PolicyRunInput {
  readonly tenantId: string;
  readonly policyId: string;
  /** The tick, ISO 8601 in UTC. */
  readonly scheduledTime: string;
  readonly trigger: 'schedule' | 'manual';
  /**
   * The run's id when it is not the tick's (a "run now" gets its own id per request, so two in
   * the same millisecond are two runs); a scheduled tick's id is derived from policy and time.
   */
  readonly runId?: string;
  /** Set when a run left unfinished (e.g. by a crash) is started again to finish it. */
  readonly resume?: boolean;
}

/** The input of a restore-test run (from its schedule or from "run now"). */
export interface RestoreTestRunInput {
  readonly tenantId: string;
  readonly restoreTestId: string;
  /** The tick, ISO 8601 in UTC. */
  readonly scheduledTime: string;
  readonly trigger: 'schedule' | 'manual';
  /** A "run now"'s own id; a tick's is derived from test and time. */
  readonly runId?: string;
}

/** Starts workflows: Step Functions in AWS, aws-local-stepfunctions in the local runtime. */
export interface WorkflowStarter {
  /** Starts the policy run for a tick; the execution is named after the run, so a duplicate start is a no-op. */
  startPolicyRun(runId: string, input: PolicyRunInput): Promise<void>;
  /** Starts the guest-operation workflow (manual snapshot, delete, restore) for an operation. */
  startGuestOperation(operationId: string, input: { tenantId: string; operationId: string }): Promise<void>;
  /** Starts a stored prune-only lane (the policy run's lane state machine) for the daily sweep; a duplicate name is a no-op. */
  startPruneLane(name: string, lane: LaneRef): Promise<void>;
  /** Starts the restore-test workflow for a run (named after it, so a duplicate start is a no-op). */
  startRestoreTest(runId: string, input: RestoreTestRunInput): Promise<void>;
}
