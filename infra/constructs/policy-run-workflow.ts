import { type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
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
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeStateMachineRole } from './state-machine-role-acknowledgements.ts';
import { CONNECTOR_TASK_TIMEOUT, STEP_TASK_TIMEOUT } from './task-timeouts.ts';

export interface PolicyRunWorkflowProps {
  readonly claimRun: IFunction;
  readonly resolveTargets: IFunction;
  readonly recordResult: IFunction;
  readonly finishRun: IFunction;
  /** A lane's first step: loads its guests from the table (only references travel). */
  readonly loadLane: IFunction;
  /** Decides which of a guest's snapshots retention deletes now. */
  readonly planPrune: IFunction;
  /** Records how a retention deletion ended. */
  readonly recordPrune: IFunction;
  /** Repairs snapshot records against Proxmox after each lane. */
  readonly reconcileGuests: IFunction;
  /** The connector function, the only one that talks to Proxmox. */
  readonly connector: IFunction;
  /** Nodes worked on at once; with the per-node cap this is the overall cap. Default 50. */
  readonly nodeConcurrency?: number;
  /** How long a guest lock is waited out before the guest counts as failed. Default 10 attempts of 30 s. */
  readonly lockRetries?: number;
  /** Execution logs; none when absent. */
  readonly logGroup?: ILogGroup;
  /** Limit of one call of a service step (claim, resolve, record, ...). Default {@link STEP_TASK_TIMEOUT}. */
  readonly stepTimeout?: Duration;
  /** Limit of one connector call. Default {@link CONNECTOR_TASK_TIMEOUT}. */
  readonly connectorTimeout?: Duration;
}

/** How long a lane (a child execution of up to LANE_CHUNK guests) may run; its task waits as long. */
export const LANE_TIMEOUT = Duration.hours(12);

/** State names, shared with the local runner that routes `lambda:invoke` tasks by them. */
export const POLICY_RUN_STATES = {
  claimRun: 'ClaimRun',
  resolveTargets: 'ResolveTargets',
  createSnapshot: 'CreateSnapshot',
  waitForTaskStart: 'WaitForTaskStart',
  waitForTask: 'WaitForTask',
  checkTask: 'CheckTask',
  waitForLock: 'WaitForLock',
  recordSucceeded: 'RecordSucceeded',
  recordFailed: 'RecordFailed',
  runLane: 'RunLane',
  loadLane: 'LoadLane',
  finishRun: 'FinishRun',
  planPrune: 'PlanPrune',
  deleteSnapshot: 'DeleteSnapshot',
  waitForDeleteStart: 'WaitForDeleteStart',
  waitForDelete: 'WaitForDelete',
  checkDelete: 'CheckDelete',
} as const;

/**
 * The policy run: claim the tick, resolve targets, snapshot each guest (lanes per node, a few at
 * a time per node), wait on each Proxmox task in a Wait-state loop (no Lambda ever sleeps), wait
 * out guest locks, record every result, prune each guest by the policy's retention once its
 * snapshot is recorded, and finish the run with its status. Lanes of `pruneOnly` items (the
 * daily sweep) skip the snapshot and only prune.
 */
export class PolicyRunWorkflow extends Construct {
  public readonly stateMachine: StateMachine;
  /** Snapshots one node's guests; started once per node lane by the policy run. */
  public readonly laneStateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: PolicyRunWorkflowProps) {
    super(scope, id);
    const S = POLICY_RUN_STATES;
    const stepTimeout = Timeout.duration(props.stepTimeout ?? STEP_TASK_TIMEOUT);
    const connectorTimeout = Timeout.duration(props.connectorTimeout ?? CONNECTOR_TASK_TIMEOUT);
    // A Proxmox task ended well: `OK`, or `WARNINGS: n` (done, with warnings in its log).
    const taskSucceeded = Condition.or(
      Condition.stringEquals('$.status.value.exitstatus', 'OK'),
      Condition.stringMatches('$.status.value.exitstatus', 'WARNINGS: *'),
    );
    const connectorCall = (
      name: string,
      command: Record<string, unknown>,
      resultPath: string,
      on: '$.item' | '$.deletion' = '$.item',
      extra: Record<string, unknown> = {},
    ) =>
      new LambdaInvoke(this, name, {
        lambdaFunction: props.connector,
        payload: TaskInput.fromObject({
          'tenantId.$': `${on}.tenantId`,
          'clusterId.$': `${on}.clusterId`,
          command,
          ...extra,
        }),
        resultSelector: { 'value.$': '$.Payload' },
        resultPath,
        taskTimeout: connectorTimeout,
      });

    // The service's own steps are idempotent, so a transient failure (throttling, a publish that
    // did not go through) is retried where it happened instead of losing a result or an event.
    const retried = <T extends LambdaInvoke>(task: T): T => {
      task.addRetry({
        errors: ['States.ALL'],
        interval: Duration.seconds(1),
        maxAttempts: 3,
        backoffRate: 2,
      });
      return task;
    };
    // Recording a success also returns the guest's retention deletions (see below).
    const recordSucceeded = retried(
      new LambdaInvoke(this, S.recordSucceeded, {
        lambdaFunction: props.recordResult,
        taskTimeout: stepTimeout,
        payload: TaskInput.fromObject({
          'item.$': '$.item',
          outcome: 'succeeded',
          'upid.$': '$.task.value.upid',
          // The last status, with the snapshot's `vmstate` as Proxmox lists it.
          'taskStatus.$': '$.status.value',
        }),
        resultSelector: { 'deletions.$': '$.Payload.deletions' },
        resultPath: '$.prune',
      }),
    );
    const recordAlreadyTaken = retried(
      new LambdaInvoke(this, 'RecordAlreadyTaken', {
        lambdaFunction: props.recordResult,
        taskTimeout: stepTimeout,
        // The deterministic name is taken: this tick's snapshot exists from an earlier attempt.
        // Its `vmstate`, when the task's check listed it, is in the last status.
        payload: TaskInput.fromObject({
          'item.$': '$.item',
          outcome: 'succeeded',
          'taskStatus.$': '$.status.value',
        }),
        resultSelector: { 'deletions.$': '$.Payload.deletions' },
        resultPath: '$.prune',
      }),
    );
    const recordFailed = retried(
      new LambdaInvoke(this, S.recordFailed, {
        lambdaFunction: props.recordResult,
        taskTimeout: stepTimeout,
        payload: TaskInput.fromObject({
          'item.$': '$.item',
          outcome: 'failed',
          'error.$': '$.error',
          'taskStatus.$': '$.status.value',
          'attempt.$': '$.attempt',
        }),
        resultPath: JsonPath.DISCARD,
      }),
    );

    const createSnapshot = connectorCall(
      S.createSnapshot,
      {
        type: 'createSnapshot',
        'node.$': '$.item.node',
        'guestType.$': '$.item.guestType',
        'vmid.$': '$.item.vmid',
        'name.$': '$.item.snapshotName',
        'vmstate.$': '$.item.vmstate',
        'description.$': '$.item.description',
      },
      '$.task',
      '$.item',
      // Sent only while the run goes on: after a cancel no further guest is started.
      { 'whileRunning.$': '$.item.runId' },
    );
    const checkTask = connectorCall(
      S.checkTask,
      {
        type: 'snapshotTaskStatus',
        'node.$': '$.item.node',
        'guestType.$': '$.item.guestType',
        'vmid.$': '$.item.vmid',
        'upid.$': '$.task.value.upid',
        'name.$': '$.item.snapshotName',
      },
      '$.status',
    );
    // A status poll is a read: a server error or an unreachable node is looked at again with
    // backoff (the connector answers from the snapshot list when it can) before the guest fails.
    const retryReads = (task: LambdaInvoke) =>
      task.addRetry({
        errors: ['ProxmoxServerError', 'ProxmoxUnreachableError'],
        interval: Duration.seconds(2),
        maxAttempts: 5,
        backoffRate: 2,
        jitterStrategy: JitterType.FULL,
      });
    retryReads(checkTask);
    // The first look comes when a disk snapshot is usually done; later looks come more often.
    const waitForTaskStart = new Wait(this, S.waitForTaskStart, {
      time: WaitTime.duration(Duration.seconds(3)),
    });
    const waitForTask = new Wait(this, S.waitForTask, { time: WaitTime.duration(Duration.seconds(2)) });
    const waitForLock = new Wait(this, S.waitForLock, { time: WaitTime.duration(Duration.seconds(30)) });
    const countLockAttempt = new Pass(this, 'CountLockAttempt', {
      parameters: {
        'item.$': '$.item',
        'attempt.$': 'States.MathAdd($.attempt, 1)',
        'error.$': '$.error',
        'status.$': '$.status',
      },
    });
    const lockedTooLong = new Choice(this, 'LockedTooLong?')
      .when(Condition.numberGreaterThanEquals('$.attempt', props.lockRetries ?? 10), recordFailed)
      .otherwise(waitForLock);
    countLockAttempt.next(lockedTooLong);
    waitForLock.next(createSnapshot);

    // A cancelled (or ended) run starts no further guest: it ends here, without a result.
    createSnapshot.addCatch(new Succeed(this, 'GuestNotStarted'), {
      errors: ['RunStoppedError'],
      resultPath: '$.error',
    });
    createSnapshot.addCatch(recordAlreadyTaken, {
      errors: ['ProxmoxAlreadyExistsError'],
      resultPath: '$.error',
    });
    createSnapshot.addCatch(countLockAttempt, { errors: ['ProxmoxLockedError'], resultPath: '$.error' });
    createSnapshot.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    checkTask.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.error' });

    const taskFinished = new Choice(this, 'TaskFinished?')
      .when(Condition.stringEquals('$.status.value.status', 'running'), waitForTask)
      .when(taskSucceeded, recordSucceeded)
      .when(Condition.stringMatches('$.status.value.exitstatus', '*is locked (*'), countLockAttempt)
      .when(
        Condition.stringMatches('$.status.value.exitstatus', "snapshot name '*' already used"),
        recordAlreadyTaken,
      )
      .otherwise(recordFailed);
    createSnapshot.next(waitForTaskStart);
    waitForTaskStart.next(checkTask);
    waitForTask.next(checkTask);
    checkTask.next(taskFinished);

    // Retention, per guest once its snapshot is recorded (the record step returns the deletions;
    // a sweep's prune-only item asks PlanPrune): deletions one after another (Proxmox locks the
    // guest for each), each awaited and recorded. Pruning never fails the guest or the run: a
    // failed deletion is recorded and decided again by the next run or sweep.
    const pruneSkipped = new Pass(this, 'PruneSkipped', { resultPath: JsonPath.DISCARD });
    const planPrune = retried(
      new LambdaInvoke(this, S.planPrune, {
        lambdaFunction: props.planPrune,
        taskTimeout: stepTimeout,
        payload: TaskInput.fromObject({ 'item.$': '$.item' }),
        resultSelector: { 'deletions.$': '$.Payload.deletions' },
        resultPath: '$.prune',
      }),
    );
    planPrune.addCatch(pruneSkipped, { errors: ['States.ALL'], resultPath: '$.pruneError' });
    const recordPrune = (name: string, outcome: 'deleted' | 'gone' | 'failed') =>
      retried(
        new LambdaInvoke(this, name, {
          lambdaFunction: props.recordPrune,
          taskTimeout: stepTimeout,
          payload: TaskInput.fromObject({
            'deletion.$': '$.deletion',
            outcome,
            ...(outcome === 'failed' ? { 'error.$': '$.error', 'taskStatus.$': '$.status.value' } : {}),
          }),
          resultPath: JsonPath.DISCARD,
        }),
      );
    const recordPruned = recordPrune('RecordPruned', 'deleted');
    const recordGone = recordPrune('RecordGone', 'gone');
    const recordPruneFailed = recordPrune('RecordPruneFailed', 'failed');
    const deleteSnapshot = connectorCall(
      S.deleteSnapshot,
      {
        type: 'deleteSnapshot',
        'node.$': '$.deletion.node',
        'guestType.$': '$.deletion.guestType',
        'vmid.$': '$.deletion.vmid',
        'name.$': '$.deletion.name',
      },
      '$.task',
      '$.deletion',
    );
    // A lock at the call (a backup or another snapshot task) is waited out, as for snapshots.
    deleteSnapshot.addRetry({
      errors: ['ProxmoxLockedError'],
      interval: Duration.seconds(30),
      maxAttempts: props.lockRetries ?? 10,
      backoffRate: 1,
    });
    deleteSnapshot.addCatch(recordPruneFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const checkDelete = connectorCall(
      S.checkDelete,
      { type: 'taskStatus', 'upid.$': '$.task.value.upid' },
      '$.status',
      '$.deletion',
    );
    retryReads(checkDelete);
    checkDelete.addCatch(recordPruneFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const waitForDeleteStart = new Wait(this, S.waitForDeleteStart, {
      time: WaitTime.duration(Duration.seconds(2)),
    });
    const waitForDelete = new Wait(this, S.waitForDelete, { time: WaitTime.duration(Duration.seconds(2)) });
    deleteSnapshot.next(waitForDeleteStart);
    waitForDeleteStart.next(checkDelete);
    waitForDelete.next(checkDelete);
    checkDelete.next(
      new Choice(this, 'DeleteFinished?')
        .when(Condition.stringEquals('$.status.value.status', 'running'), waitForDelete)
        .when(taskSucceeded, recordPruned)
        // Deleted earlier (a retried step) or by hand: the snapshot is gone either way.
        .when(Condition.stringMatches('$.status.value.exitstatus', "snapshot '*' does not exist"), recordGone)
        .otherwise(recordPruneFailed),
    );
    const pruneSnapshots = new MapState(this, 'PruneSnapshots', {
      itemsPath: '$.prune.deletions',
      maxConcurrency: 1,
      itemSelector: { 'deletion.$': '$$.Map.Item.Value', error: {}, status: { value: {} } },
      resultPath: JsonPath.DISCARD,
    });
    pruneSnapshots.itemProcessor(deleteSnapshot);
    pruneSnapshots.addCatch(pruneSkipped, { errors: ['States.ALL'], resultPath: '$.pruneError' });
    // Most guests have nothing to delete on most ticks: no Map then (fewer transitions).
    const anythingToPrune = new Choice(this, 'AnythingToPrune?')
      .when(Condition.isPresent('$.prune.deletions[0]'), pruneSnapshots)
      .otherwise(new Succeed(this, 'NothingToPrune'));
    planPrune.next(anythingToPrune);
    recordSucceeded.next(anythingToPrune);
    recordAlreadyTaken.next(anythingToPrune);

    const loadLane = retried(
      new LambdaInvoke(this, S.loadLane, {
        lambdaFunction: props.loadLane,
        taskTimeout: stepTimeout,
        payload: TaskInput.fromObject({
          'tenantId.$': '$.tenantId',
          'laneSetId.$': '$.laneSetId',
          'index.$': '$.index',
        }),
        resultSelector: {
          'context.$': '$.Payload.context',
          'perNode.$': '$.Payload.perNode',
          'guests.$': '$.Payload.guests',
        },
        resultPath: '$.lane',
      }),
    );
    const from = (field: string) => ({ [`${field}.$`]: `$.lane.context.${field}` });
    const guestField = (field: string) => ({ [`${field}.$`]: `$$.Map.Item.Value.${field}` });
    const perGuest = new MapState(this, 'SnapshotGuests', {
      itemsPath: '$.lane.guests',
      // Each policy sets its own cap per node; it travels with the lane.
      maxConcurrencyPath: '$.lane.perNode',
      itemSelector: {
        // Each iteration's item: what the lane shares plus the guest's own fields.
        item: {
          ...[
            'tenantId',
            'runId',
            'policyId',
            'policyName',
            'scheduledTime',
            'clusterId',
            'snapshotName',
            'description',
            'pruneOnly',
            'pruneBy',
          ].reduce((fields, field) => Object.assign(fields, from(field)), {}),
          ...['guestId', 'node', 'guestType', 'vmid', 'vmstate'].reduce(
            (fields, field) => Object.assign(fields, guestField(field)),
            {},
          ),
        },
        attempt: 0,
        // Placeholders so every path the record steps read exists on every branch.
        error: {},
        status: { value: {} },
      },
      resultPath: JsonPath.DISCARD,
    });
    perGuest.itemProcessor(
      new Choice(this, 'PruneOnly?')
        .when(Condition.booleanEquals('$.item.pruneOnly', true), planPrune)
        .otherwise(createSnapshot),
    );

    // Each node's guests run in a child execution, so every execution's history stays far below
    // Step Functions' 25,000-event quota however many guests a run has (about 20 events a guest).
    this.laneStateMachine = new StateMachine(this, 'LaneStateMachine', {
      definitionBody: DefinitionBody.fromChainable(loadLane.next(perGuest)),
      stateMachineType: StateMachineType.STANDARD,
      timeout: LANE_TIMEOUT,
      tracingEnabled: true,
      ...(props.logGroup
        ? { logs: { destination: props.logGroup, level: LogLevel.ALL, includeExecutionData: false } }
        : {}),
    });
    const runLane = new StepFunctionsStartExecution(this, S.runLane, {
      stateMachine: this.laneStateMachine,
      integrationPattern: IntegrationPattern.RUN_JOB,
      associateWithParent: true,
      // As long as the lane itself may run. A lane given up (this timeout, or the run stopped) is
      // stopped by Step Functions (the role may stop lane executions), and the run's finished
      // state refuses whatever it would still record.
      taskTimeout: Timeout.duration(LANE_TIMEOUT),
      input: TaskInput.fromObject({
        'tenantId.$': '$.tenantId',
        'laneSetId.$': '$.laneSetId',
        'index.$': '$.index',
      }),
      resultPath: JsonPath.DISCARD,
    });
    // A lost lane must not stop the other lanes; its guests stay unrecorded and FinishRun counts them as failed.
    runLane.addCatch(new Pass(this, 'LaneLost', { resultPath: JsonPath.DISCARD }), {
      errors: ['States.ALL'],
      resultPath: '$.laneError',
    });
    // A node's guests come in chunks (lanes) of at most a few hundred, one after another: each
    // lane execution's history stays under the quota, and the node's cap holds across chunks.
    const chunks = new MapState(this, 'RunChunks', {
      itemsPath: '$.chunks',
      maxConcurrency: 1,
      // Only the lane's reference travels: a run's guests in full would pass the 256 KiB limit.
      itemSelector: {
        'tenantId.$': '$.tenantId',
        'laneSetId.$': '$.laneSetId',
        'index.$': '$$.Map.Item.Value',
      },
      resultPath: JsonPath.DISCARD,
    });
    chunks.itemProcessor(runLane);
    const perNode = new MapState(this, 'SnapshotLanes', {
      itemsPath: '$.work.lanes',
      maxConcurrency: props.nodeConcurrency ?? 50,
      itemSelector: {
        'tenantId.$': '$.tenantId',
        'laneSetId.$': '$.claim.runId',
        'chunks.$': '$$.Map.Item.Value.chunks',
      },
      resultPath: JsonPath.DISCARD,
    });
    perNode.itemProcessor(chunks);

    const claim = retried(
      new LambdaInvoke(this, S.claimRun, {
        lambdaFunction: props.claimRun,
        taskTimeout: stepTimeout,
        payload: TaskInput.fromJsonPathAt('$'),
        resultSelector: { 'claimed.$': '$.Payload.claimed', 'runId.$': '$.Payload.runId' },
        resultPath: '$.claim',
      }),
    );
    const resolve = retried(
      new LambdaInvoke(this, S.resolveTargets, {
        lambdaFunction: props.resolveTargets,
        taskTimeout: stepTimeout,
        payload: TaskInput.fromObject({
          'tenantId.$': '$.tenantId',
          'policyId.$': '$.policyId',
          'scheduledTime.$': '$.scheduledTime',
          'trigger.$': '$.trigger',
          'runId.$': '$.claim.runId',
        }),
        resultSelector: { 'lanes.$': '$.Payload.lanes', 'count.$': '$.Payload.count' },
        resultPath: '$.work',
      }),
    );
    const finish = retried(
      new LambdaInvoke(this, S.finishRun, {
        lambdaFunction: props.finishRun,
        taskTimeout: stepTimeout,
        payload: TaskInput.fromObject({ 'tenantId.$': '$.tenantId', 'runId.$': '$.claim.runId' }),
        resultSelector: {
          'status.$': '$.Payload.status',
          'targets.$': '$.Payload.targets',
          'succeeded.$': '$.Payload.succeeded',
          'failed.$': '$.Payload.failed',
        },
        resultPath: '$.summary',
      }),
    );

    // Once the run's result is final, its guests' records are repaired against Proxmox (the
    // service's snapshots without a record adopted, vanished ones marked missing, stuck locks
    // reported). Off the run's critical path, and it never fails the run.
    const reconcileRun = new LambdaInvoke(this, 'ReconcileRun', {
      lambdaFunction: props.reconcileGuests,
      taskTimeout: stepTimeout,
      payload: TaskInput.fromObject({ 'tenantId.$': '$.tenantId', 'runId.$': '$.claim.runId' }),
      resultSelector: { 'summary.$': '$.Payload' },
      resultPath: '$.reconciled',
    });
    reconcileRun.addCatch(new Pass(this, 'ReconcileSkipped', { resultPath: JsonPath.DISCARD }), {
      errors: ['States.ALL'],
      resultPath: '$.reconcileError',
    });
    const definition = claim.next(
      new Choice(this, 'Claimed?')
        .when(Condition.booleanEquals('$.claim.claimed', false), new Succeed(this, 'TickAlreadyHandled'))
        .otherwise(resolve.next(perNode).next(finish).next(reconcileRun)),
    );

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      timeout: Duration.hours(12),
      tracingEnabled: true,
      ...(props.logGroup
        ? { logs: { destination: props.logGroup, level: LogLevel.ALL, includeExecutionData: false } }
        : {}),
    });
    const stack = Stack.of(this);
    const taskFunctions = [
      props.claimRun,
      props.resolveTargets,
      props.recordResult,
      props.finishRun,
      props.loadLane,
      props.planPrune,
      props.recordPrune,
      props.reconcileGuests,
      props.connector,
    ];
    acknowledgeStateMachineRole(this.stateMachine.role, taskFunctions);
    acknowledgeStateMachineRole(this.laneStateMachine.role, taskFunctions);
    const lane = this.laneStateMachine.node.defaultChild as CfnResource | undefined;
    if (lane) {
      const laneName = JSON.stringify({
        'Fn::Select': [6, { 'Fn::Split': [':', { Ref: stack.getLogicalId(lane) }] }],
      });
      Validations.of(this.stateMachine.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${laneName}*]`,
        reason:
          'Waiting for a lane (startExecution.sync) needs to describe and stop that state machine\u2019s executions.',
      });
    }
  }
}
