import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { PolicyRunInput } from '#shared/services/policy-run/work-item.ts';
import type { WorkflowStarter } from '#shared/services/workflow-starter.ts';

/** Starts policy runs on Step Functions; execution names are run ids, so AWS refuses duplicates. */
export class SfnWorkflowStarter implements WorkflowStarter {
  readonly #client: SFNClient;
  readonly #policyRunArn: string;

  constructor(client: SFNClient, policyRunArn: string) {
    this.#client = client;
    this.#policyRunArn = policyRunArn;
  }

  async startPolicyRun(runId: string, input: PolicyRunInput): Promise<void> {
    try {
      await this.#client.send(
        new StartExecutionCommand({
          stateMachineArn: this.#policyRunArn,
          name: runId,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }
}
