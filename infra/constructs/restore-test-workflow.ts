import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeStateMachineRole } from './state-machine-role-acknowledgements.ts';
import { lambdaTask } from './task-retries.ts';
import { STEP_TASK_TIMEOUT } from './task-timeouts.ts';

export interface RestoreTestWorkflowProps {
  readonly restoreTestStep: IFunction;
  readonly logGroup?: ILogGroup;
}

/**
 * A restore-test run: one step (restore, isolate, start, look for a proof of life, stop,
 * destroy; one short thing per call, its progress stored) again and again, with a Wait state of
 * the length the step asks for in between, so no Lambda ever sleeps while a guest boots.
 */
export class RestoreTestWorkflow extends Construct {
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: RestoreTestWorkflowProps) {
    super(scope, id);
    const step = lambdaTask(this, 'RestoreTestStep', {
      lambdaFunction: props.restoreTestStep,
      taskTimeout: Timeout.duration(STEP_TASK_TIMEOUT),
      // The execution's own input every time: the step finds the run's progress in the table.
      payload: TaskInput.fromJsonPathAt('$$.Execution.Input'),
      resultSelector: { 'done.$': '$.Payload.done', 'wait.$': '$.Payload.wait' },
      resultPath: '$.step',
    });
    // The step stores what it did before answering and a Proxmox failure is recorded, not thrown:
    // what reaches here is the table or the Lambda service, worth a few more tries.
    step.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 5, backoffRate: 2 });
    const wait = new Wait(this, 'WaitForRestoreTest', { time: WaitTime.secondsPath('$.step.wait') });
    wait.next(step);
    const definition = step.next(
      new Choice(this, 'RestoreTestDone?')
        .when(Condition.booleanEquals('$.step.done', true), new Succeed(this, 'RestoreTestFinished'))
        .otherwise(wait),
    );
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      // Ten guests, each with its boot timeout (at most an hour) and its tasks.
      timeout: Duration.hours(12),
      tracingEnabled: true,
      ...(props.logGroup
        ? { logs: { destination: props.logGroup, level: LogLevel.ALL, includeExecutionData: false } }
        : {}),
    });
    acknowledgeStateMachineRole(this.stateMachine.role, [props.restoreTestStep]);
  }
}
