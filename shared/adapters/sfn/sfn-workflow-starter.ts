import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { LaneRef } from '#shared/domain/lane.ts';
import type { PolicyRunInput, RestoreTestRunInput, WorkflowStarter } from '#shared/ports/workflow-starter.ts';

/** The state machines a function may start (each function is granted only its own). */
export interface StateMachineArns {
  readonly policyRun?: string;
  readonly operation?: string;
  /** The policy run's lane state machine; only the daily sweep starts it directly. */
  readonly pruneLane?: string;
  readonly restoreTest?: string;
}

/** Starts workflows on Step Functions; execution names are run or operation ids, so AWS refuses duplicates. */
export class SfnWorkflowStarter implements WorkflowStarter {
  readonly #client: SFNClient;
  readonly #arns: StateMachineArns;

  constructor(client: SFNClient, arns: StateMachineArns) {
    this.#client = client;
    this.#arns = arns;
  }

  async startPolicyRun(runId: string, input: PolicyRunInput): Promise<void> {
    await this.#start('policyRun', runId, input);
  }

  async startGuestOperation(
    operationId: string,
    input: { tenantId: string; operationId: string },
  ): Promise<void> {
    await this.#start('operation', operationId, input);
  }

  async startPruneLane(name: string, lane: LaneRef): Promise<void> {
    await this.#start('pruneLane', name, lane);
  }

  async startRestoreTest(runId: string, input: RestoreTestRunInput): Promise<void> {
    await this.#start('restoreTest', runId, input);
  }

  async #start(kind: keyof StateMachineArns, name: string, input: unknown): Promise<void> {
    const stateMachineArn = this.#arns[kind];
    if (!stateMachineArn) throw new Error(`no ${kind} state machine configured for this function`);
    try {
      await this.#client.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}
