import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { EndedExecution } from '#shared/services/ended-executions.ts';
import { Wiring } from './wiring.ts';
import { stepUses, type WorkflowStepDependencies, workflowStep } from './workflow-steps.ts';

export interface EndedExecutionsProps extends WorkflowStepDependencies {
  readonly policyRun: IStateMachine;
  readonly guestOperation: IStateMachine;
  readonly restoreTest: IStateMachine;
}

/** The statuses of an execution that ended before its last step could record the outcome. */
const ENDED_STATUSES: readonly EndedExecution['status'][] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * Finishes the run or operation of an execution that failed, timed out or was stopped, which
 * would otherwise stay `running` forever: one EventBridge rule per workflow on Step Functions'
 * status changes sends the change to a function that ends the run or operation with the reason
 * and publishes its failure event once.
 */
export class EndedExecutions extends Wiring {
  public readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: EndedExecutionsProps) {
    super(scope, id);
    const { writes, callsProxmox, publishes } = stepUses(props);
    // Failing an operation records what it did first (snapshot lists, inventory): it may call Proxmox.
    this.function = workflowStep(this, 'ExecutionEndedFunction', 'execution-ended', [
      writes,
      callsProxmox,
      publishes,
    ]);
    const workflows: Array<[string, EndedExecution['workflow'], IStateMachine]> = [
      ['PolicyRunEndedRule', 'policy-run', props.policyRun],
      ['GuestOperationEndedRule', 'guest-operation', props.guestOperation],
      ['RestoreTestEndedRule', 'restore-test', props.restoreTest],
    ];
    for (const [ruleId, workflow, stateMachine] of workflows) {
      new Rule(this, ruleId, {
        description: `Finishes the ${workflow} whose execution failed, timed out or was stopped`,
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: { status: [...ENDED_STATUSES], stateMachineArn: [stateMachine.stateMachineArn] },
        },
        targets: [
          new LambdaTarget(this.function, {
            event: RuleTargetInput.fromObject({ workflow, detail: EventField.fromPath('$.detail') }),
          }),
        ],
      });
    }
  }
}
