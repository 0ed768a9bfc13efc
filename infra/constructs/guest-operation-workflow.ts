import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FOLLOW_HEARTBEAT_SECONDS } from './policy-run-workflow.ts';
import { acknowledgeStateMachineRole } from './state-machine-role-acknowledgements.ts';
import { lambdaTask } from './task-retries.ts';
import { CONNECTOR_TASK_TIMEOUT, STEP_TASK_TIMEOUT } from './task-timeouts.ts';

export interface GuestOperationWorkflowProps {
  readonly planOperation: IFunction;
  readonly finishOperation: IFunction;
  /** The connector function, the only one that talks to Proxmox. */
  readonly connector: IFunction;
  readonly logGroup?: ILogGroup;
}

/** How long an operation may run; a followed task's wait is bounded by it too. */
const OPERATION_TIMEOUT = Duration.hours(6);

/**
 * A guest operation (manual snapshot, delete, restore in place, restore to a new guest): plan the
 * Proxmox steps from the guest's current state, run them one after another (each task awaited
 * in a Wait loop, or followed by the cluster's agent, a lock at the call waited out), and record
 * how it ended.
 */
export class GuestOperationWorkflow extends Construct {
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: GuestOperationWorkflowProps) {
    super(scope, id);
    const stepTimeout = Timeout.duration(STEP_TASK_TIMEOUT);
    const connectorTimeout = Timeout.duration(CONNECTOR_TASK_TIMEOUT);
    // Recording the outcome is idempotent: retried on any error, so no outcome (or its event) is lost.
    const finish = (name: string, outcome: 'succeeded' | 'failed') =>
      lambdaTask(this, name, {
        lambdaFunction: props.finishOperation,
        taskTimeout: stepTimeout,
        payload: TaskInput.fromObject({
          'tenantId.$': '$.tenantId',
          'operationId.$': '$.operationId',
          outcome,
          ...(outcome === 'failed' ? { 'error.$': '$.error' } : {}),
        }),
        resultPath: JsonPath.DISCARD,
      }).addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 3, backoffRate: 2 });
    const failOperation = finish('FailOperation', 'failed');
    const completeOperation = finish('CompleteOperation', 'succeeded');

    const plan = lambdaTask(this, 'PlanOperation', {
      lambdaFunction: props.planOperation,
      taskTimeout: stepTimeout,
      payload: TaskInput.fromObject({ 'tenantId.$': '$.tenantId', 'operationId.$': '$.operationId' }),
      resultSelector: { 'steps.$': '$.Payload.steps' },
      resultPath: '$.plan',
    });
    plan.addCatch(failOperation, { errors: ['States.ALL'], resultPath: '$.error' });

    const runStep = lambdaTask(this, 'RunStep', {
      lambdaFunction: props.connector,
      taskTimeout: connectorTimeout,
      payload: TaskInput.fromObject({
        'tenantId.$': '$.step.tenantId',
        'clusterId.$': '$.step.clusterId',
        'command.$': '$.step.command',
      }),
      resultSelector: { 'value.$': '$.Payload' },
      resultPath: '$.task',
    });
    runStep.addRetry({
      errors: ['ProxmoxLockedError'],
      interval: Duration.seconds(30),
      maxAttempts: 10,
      backoffRate: 1,
    });
    const checkStep = lambdaTask(this, 'CheckStep', {
      lambdaFunction: props.connector,
      taskTimeout: connectorTimeout,
      payload: TaskInput.fromObject({
        'tenantId.$': '$.step.tenantId',
        'clusterId.$': '$.step.clusterId',
        command: { type: 'taskOutcome', 'upid.$': '$.task.value.upid' },
      }),
      resultSelector: { 'value.$': '$.Payload' },
      resultPath: '$.outcome',
    });
    // A status poll is a read: a server error or an unreachable node is looked at again.
    checkStep.addRetry({
      errors: ['ProxmoxServerError', 'ProxmoxUnreachableError'],
      interval: Duration.seconds(2),
      maxAttempts: 5,
      backoffRate: 2,
      jitterStrategy: JitterType.FULL,
    });
    // Proxmox meets a guest's lock inside the task (`VM is locked (backup)`), before the task
    // changes anything: the step is sent again after a pause, up to 10 times like a lock at the
    // call, and a lock that outlives that fails the operation as ProxmoxLockedError.
    const waitForStepLock = new Wait(this, 'WaitForStepLock', {
      time: WaitTime.duration(Duration.seconds(30)),
    });
    waitForStepLock.next(runStep);
    const countStepLock = new Pass(this, 'CountStepLock', {
      parameters: {
        'step.$': '$.step',
        'attempt.$': 'States.MathAdd($.attempt, 1)',
        'lockError.$': '$.lockError',
      },
    });
    countStepLock.next(
      new Choice(this, 'StepLockedTooLong?')
        .when(
          Condition.numberGreaterThanEquals('$.attempt', 10),
          new Fail(this, 'StepStillLocked', {
            errorPath: '$.lockError.Error',
            causePath: '$.lockError.Cause',
          }),
        )
        .otherwise(waitForStepLock),
    );
    checkStep.addCatch(countStepLock, { errors: ['ProxmoxLockedError'], resultPath: '$.lockError' });
    const stepDone = new Succeed(this, 'StepDone');
    const waitForStepStart = new Wait(this, 'WaitForStepStart', {
      time: WaitTime.duration(Duration.seconds(3)),
    });
    const waitForStep = new Wait(this, 'WaitForStep', { time: WaitTime.duration(Duration.seconds(2)) });
    const stepFinished = new Choice(this, 'StepFinished?')
      .when(Condition.stringEquals('$.outcome.value.status', 'running'), waitForStep)
      .otherwise(stepDone);
    // On an agent's cluster the agent follows the task inside the tenant's network and reports its
    // end: one callback however long a clone or restore runs. Whenever it cannot (too old for
    // followTask, offline, three heartbeats missed, stopping), or the task failed, the task is
    // looked at from CheckStep on, as on a direct cluster (a failed task fails there with its error).
    const followStep = lambdaTask(this, 'FollowStep', {
      lambdaFunction: props.connector,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        'tenantId.$': '$.step.tenantId',
        'clusterId.$': '$.step.clusterId',
        command: {
          type: 'followTask',
          until: { type: 'taskOutcome', 'upid.$': '$.task.value.upid' },
          everySeconds: 1,
          heartbeatSeconds: FOLLOW_HEARTBEAT_SECONDS,
        },
        taskToken: JsonPath.taskToken,
      }),
      resultSelector: { 'value.$': '$' },
      resultPath: '$.outcome',
      heartbeatTimeout: Timeout.duration(Duration.seconds(FOLLOW_HEARTBEAT_SECONDS * 3)),
      taskTimeout: Timeout.duration(OPERATION_TIMEOUT),
    });
    followStep.addCatch(checkStep, { errors: ['States.ALL'], resultPath: JsonPath.DISCARD });
    followStep.next(stepFinished);
    runStep.next(
      new Choice(this, 'StartedATask?')
        .when(
          Condition.and(Condition.isPresent('$.task.value.upid'), Condition.isString('$.task.value.upid')),
          new Choice(this, 'StepFollowedByAgent?')
            .when(
              Condition.and(
                Condition.isPresent('$.step.followTasks'),
                Condition.booleanEquals('$.step.followTasks', true),
              ),
              followStep,
            )
            .otherwise(waitForStepStart),
        )
        .otherwise(stepDone),
    );
    waitForStepStart.next(checkStep);
    waitForStep.next(checkStep);
    checkStep.next(stepFinished);

    const runSteps = new MapState(this, 'RunSteps', {
      itemsPath: '$.plan.steps',
      // One after another: a rollback must not start before its safety snapshot is done.
      maxConcurrency: 1,
      itemSelector: { 'step.$': '$$.Map.Item.Value', attempt: 0 },
      resultPath: JsonPath.DISCARD,
    });
    runSteps.itemProcessor(runStep);
    runSteps.addCatch(failOperation, { errors: ['States.ALL'], resultPath: '$.error' });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(plan.next(runSteps).next(completeOperation)),
      stateMachineType: StateMachineType.STANDARD,
      timeout: OPERATION_TIMEOUT,
      tracingEnabled: true,
      ...(props.logGroup
        ? { logs: { destination: props.logGroup, level: LogLevel.ALL, includeExecutionData: false } }
        : {}),
    });
    acknowledgeStateMachineRole(this.stateMachine.role, [
      props.planOperation,
      props.finishOperation,
      props.connector,
    ]);
  }
}
