import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { PolicyRunInput } from '#shared/services/policy-run/work-item.ts';
import type { WorkflowStarter } from '#shared/services/workflow-starter.ts';

/** Starts workflows on Step Functions; execution names are run or operation ids, so AWS refuses duplicates. */
export class SfnWorkflowStarter implements WorkflowStarter {
  readonly #client: SFNClient;
  readonly #policyRunArn: string;
  readonly #operationArn: string;

  constructor(client: SFNClient, policyRunArn: string, operationArn: string) {
    this.#client = client;
    this.#policyRunArn = policyRunArn;
    this.#operationArn = operationArn;
  }

  async startPolicyRun(runId: string, input: PolicyRunInput): Promise<void> {
    await this.#start(this.#policyRunArn, runId, input);
  }

  async startGuestOperation(
    operationId: string,
    input: { tenantId: string; operationId: string },
  ): Promise<void> {
    await this.#start(this.#operationArn, operationId, input);
  }

  async #start(stateMachineArn: string, name: string, input: unknown): Promise<void> {
    try {
      await this.#client.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}
