import { type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  type IChainable,
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
import {
  type LambdaInvoke,
  type LambdaInvokeProps,
  StepFunctionsStartExecution,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeStateMachineRole } from './state-machine-role-acknowledgements.ts';
import { lambdaTask, retryStartExecution } from './task-retries.ts';
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

/** How long a lane (a child execution of one chunk of a node's guests) may run; its task waits as long. */
const LANE_TIMEOUT = Duration.hours(12);

/** A Proxmox task ended well: `OK`, or `WARNINGS: n` (done, with warnings in its log). */
const taskSucceeded = Condition.or(
  Condition.stringEquals('$.status.value.exitstatus', 'OK'),
  Condition.stringMatches('$.status.value.exitstatus', 'WARNINGS: *'),
);

/** What a lane's guests share (from `LoadLane`'s context) and what each guest brings itself. */
const LANE_FIELDS = [
  'tenantId',
  'runId',
  'policyId',
  'policyName',
  'scheduledTime',
  'clusterId',
  'snapshotName',
  'description',
  'kind',
  'vzdump',
  'pruneOnly',
  'pruneBy',
] as const;
const GUEST_FIELDS = ['guestId', 'node', 'guestType', 'vmid', 'vmstate'] as const;

/**
 * The policy run, stage by stage as the README's "Policy runs" tells it (one method per stage):
 *
 * 1. {@link claimRun}: claim the tick (a second start ends at `TickAlreadyHandled`);
 * 2. {@link resolveTargets}: select the guests and store them as lanes per node;
 * 3. {@link snapshotLanes}: per node, its lanes one after another, each a child execution
 *    ({@link lane}: {@link loadLane}, then {@link snapshotGuests}: per guest
 *    {@link snapshotGuest} (create, await the task, wait out locks) and {@link recordResult},
 *    then {@link pruneGuest} by the policy's retention);
 * 4. {@link finishRun}, then {@link reconcileRun} off the run's critical path.
 *
 * No Lambda ever sleeps: Proxmox tasks and locks are awaited in Wait states. Lanes of `pruneOnly`
 * items (the daily sweep) skip the snapshot and only prune.
 */
export class PolicyRunWorkflow extends Construct {
  public readonly stateMachine: StateMachine;
  /** Snapshots one chunk of a node's guests; started once per lane by the policy run. */
  public readonly laneStateMachine: StateMachine;

  private readonly props: PolicyRunWorkflowProps;
  private readonly stepTimeout: Timeout;
  private readonly connectorTimeout: Timeout;

  constructor(scope: Construct, id: string, props: PolicyRunWorkflowProps) {
    super(scope, id);
    this.props = props;
    this.stepTimeout = Timeout.duration(props.stepTimeout ?? STEP_TASK_TIMEOUT);
    this.connectorTimeout = Timeout.duration(props.connectorTimeout ?? CONNECTOR_TASK_TIMEOUT);

    this.laneStateMachine = this.stateMachineOf('LaneStateMachine', this.lane(), LANE_TIMEOUT);
    const run = this.claimRun().next(
      new Choice(this, 'Claimed?')
        .when(Condition.booleanEquals('$.claim.claimed', false), new Succeed(this, 'TickAlreadyHandled'))
        .otherwise(
          this.resolveTargets().next(this.snapshotLanes()).next(this.finishRun()).next(this.reconcileRun()),
        ),
    );
    this.stateMachine = this.stateMachineOf('StateMachine', run, Duration.hours(12));
    this.acknowledgeRoles();
  }

  /** 1. `ClaimRun`: conditional write of the run (or takeover of the run "run now" created). */
  private claimRun(): LambdaInvoke {
    return this.serviceStep('ClaimRun', this.props.claimRun, {
      payload: TaskInput.fromJsonPathAt('$'),
      resultSelector: { 'claimed.$': '$.Payload.claimed', 'runId.$': '$.Payload.runId' },
      resultPath: '$.claim',
    });
  }

  /** 2. `ResolveTargets`: selects the guests and stores each lane; only lane references come back. */
  private resolveTargets(): LambdaInvoke {
    return this.serviceStep('ResolveTargets', this.props.resolveTargets, {
      payload: TaskInput.fromObject({
        'tenantId.$': '$.tenantId',
        'policyId.$': '$.policyId',
        'scheduledTime.$': '$.scheduledTime',
        'trigger.$': '$.trigger',
        'runId.$': '$.claim.runId',
      }),
      resultSelector: { 'lanes.$': '$.Payload.lanes', 'count.$': '$.Payload.count' },
      resultPath: '$.work',
    });
  }

  /**
   * 3. `SnapshotLanes`: up to `nodeConcurrency` nodes at once; each node's lanes (`RunChunks`) one
   * after another, so the node's cap holds across them, each lane a child execution (`RunLane`),
   * so every execution's history stays under Step Functions' 25,000-event quota.
   */
  private snapshotLanes(): MapState {
    const runLane = new StepFunctionsStartExecution(this, 'RunLane', {
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
    // Too many open executions or a throttled start: the lane has not started, so it is started again later.
    retryStartExecution(runLane);
    // A lost lane must not stop the other lanes; its guests stay unrecorded and FinishRun counts them as failed.
    runLane.addCatch(new Pass(this, 'LaneLost', { resultPath: JsonPath.DISCARD }), {
      errors: ['States.ALL'],
      resultPath: '$.laneError',
    });
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
      maxConcurrency: this.props.nodeConcurrency ?? 50,
      itemSelector: {
        'tenantId.$': '$.tenantId',
        'laneSetId.$': '$.claim.runId',
        'chunks.$': '$$.Map.Item.Value.chunks',
      },
      resultPath: JsonPath.DISCARD,
    });
    perNode.itemProcessor(chunks);
    return perNode;
  }

  /** A lane, the child execution: `LoadLane`, then its guests (`SnapshotGuests`). */
  private lane(): IChainable {
    return this.loadLane().next(this.snapshotGuests());
  }

  /** `LoadLane`: the lane's guests (compact) and what they share, from the table. */
  private loadLane(): LambdaInvoke {
    return this.serviceStep('LoadLane', this.props.loadLane, {
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
    });
  }

  /**
   * `SnapshotGuests`: the lane's guests, `concurrency.perNode` at once (each policy sets its own
   * cap; it travels with the lane). Each iteration's item is assembled from what the lane shares
   * and the guest's own fields; a prune-only item (the daily sweep) goes straight to retention.
   */
  private snapshotGuests(): MapState {
    const shared = Object.fromEntries(LANE_FIELDS.map((field) => [`${field}.$`, `$.lane.context.${field}`]));
    const own = Object.fromEntries(GUEST_FIELDS.map((field) => [`${field}.$`, `$$.Map.Item.Value.${field}`]));
    const perGuest = new MapState(this, 'SnapshotGuests', {
      itemsPath: '$.lane.guests',
      maxConcurrencyPath: '$.lane.perNode',
      itemSelector: {
        item: { ...shared, ...own },
        attempt: 0,
        // Placeholders so every path the record steps read exists on every branch.
        error: {},
        status: { value: {} },
      },
      resultPath: JsonPath.DISCARD,
    });
    const prune = this.pruneGuest();
    perGuest.itemProcessor(
      new Choice(this, 'PruneOnly?')
        .when(Condition.booleanEquals('$.item.pruneOnly', true), prune.planned)
        .when(Condition.stringEquals('$.item.kind', 'backup'), this.backupGuest(prune.recorded))
        .otherwise(this.snapshotGuest(prune.recorded)),
    );
    return perGuest;
  }

  /**
   * One guest's snapshot: `CreateSnapshot` (sent only while the run goes on) → `WaitForTaskStart`
   * → `CheckTask` ⇄ `WaitForTask` until the task stops, then its result recorded
   * ({@link recordResult}); a lock, at the call or in the task, is waited out ({@link waitOutLock}).
   */
  private snapshotGuest(pruneRecorded: IChainable): LambdaInvoke {
    const record = this.recordResult();
    record.succeeded.next(pruneRecorded);
    record.alreadyTaken.next(pruneRecorded);
    const createSnapshot = this.connectorCall(
      'CreateSnapshot',
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
    const checkTask = this.connectorCall(
      'CheckTask',
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
    // The connector answers from the snapshot list when it can, so a poll fails only when neither can tell.
    this.retryRead(checkTask);
    // The first look comes when a disk snapshot is usually done; later looks come more often.
    const waitForTaskStart = new Wait(this, 'WaitForTaskStart', {
      time: WaitTime.duration(Duration.seconds(3)),
    });
    const waitForTask = new Wait(this, 'WaitForTask', { time: WaitTime.duration(Duration.seconds(2)) });
    const locked = this.waitOutLock('', createSnapshot, record.failed);

    // A cancelled (or ended) run starts no further guest: it ends here, without a result.
    createSnapshot.addCatch(new Succeed(this, 'GuestNotStarted'), {
      errors: ['RunStoppedError'],
      resultPath: '$.error',
    });
    createSnapshot.addCatch(record.alreadyTaken, {
      errors: ['ProxmoxAlreadyExistsError'],
      resultPath: '$.error',
    });
    createSnapshot.addCatch(locked, { errors: ['ProxmoxLockedError'], resultPath: '$.error' });
    createSnapshot.addCatch(record.failed, { errors: ['States.ALL'], resultPath: '$.error' });
    checkTask.addCatch(record.failed, { errors: ['States.ALL'], resultPath: '$.error' });

    const taskFinished = new Choice(this, 'TaskFinished?')
      .when(Condition.stringEquals('$.status.value.status', 'running'), waitForTask)
      .when(taskSucceeded, record.succeeded)
      .when(Condition.stringMatches('$.status.value.exitstatus', '*is locked (*'), locked)
      .when(
        Condition.stringMatches('$.status.value.exitstatus', "snapshot name '*' already used"),
        record.alreadyTaken,
      )
      .otherwise(record.failed);
    createSnapshot.next(waitForTaskStart);
    waitForTaskStart.next(checkTask);
    waitForTask.next(checkTask);
    checkTask.next(taskFinished);
    return createSnapshot;
  }

  /**
   * One guest's backup: `StartBackup` (vzdump of this one guest, sent only while the run goes on)
   * → `WaitForBackupStart` → `CheckBackup` ⇄ `WaitForBackup` until the task stops (vzdump takes
   * minutes to hours: the looks are 15 s apart), then `RecordBackupSucceeded` with the archive
   * the task wrote, or `RecordBackupFailed` with the guest's error from the log. A guest locked by
   * a snapshot (vzdump logs `VM is locked (snapshot)`) is waited out as a snapshot waits out a
   * backup.
   */
  private backupGuest(pruneRecorded: IChainable): Pass {
    const fn = this.props.recordResult;
    const succeeded = this.serviceStep('RecordBackupSucceeded', fn, {
      payload: TaskInput.fromObject({
        'item.$': '$.item',
        outcome: 'succeeded',
        'upid.$': '$.task.value.upid',
        'taskStatus.$': '$.status.value',
      }),
      resultSelector: { 'deletions.$': '$.Payload.deletions' },
      resultPath: '$.prune',
    });
    const failed = this.serviceStep('RecordBackupFailed', fn, {
      payload: TaskInput.fromObject({
        'item.$': '$.item',
        outcome: 'failed',
        'error.$': '$.error',
        'taskStatus.$': '$.status.value',
        'attempt.$': '$.attempt',
      }),
      resultPath: JsonPath.DISCARD,
    });
    const notRecorded = new Pass(this, 'BackupResultNotRecorded', { resultPath: JsonPath.DISCARD });
    for (const step of [succeeded, failed])
      step.addCatch(notRecorded, { errors: ['States.ALL'], resultPath: '$.recordError' });
    succeeded.next(pruneRecorded);

    // The connector's vzdump command: the lane's options with this guest's node and id.
    const target = new Pass(this, 'BackupTarget', {
      parameters: { type: 'vzdump', 'node.$': '$.item.node', 'vmid.$': '$.item.vmid' },
      resultPath: '$.target',
    });
    const startBackup = this.connectorCall(
      'StartBackup',
      'States.JsonMerge($.item.vzdump, $.target, false)',
      '$.task',
      '$.item',
      { 'whileRunning.$': '$.item.runId' },
    );
    const checkBackup = this.connectorCall(
      'CheckBackup',
      {
        type: 'backupTaskStatus',
        'node.$': '$.item.node',
        'vmid.$': '$.item.vmid',
        'storage.$': '$.item.vzdump.storage',
        'upid.$': '$.task.value.upid',
      },
      '$.status',
    );
    this.retryRead(checkBackup);
    const waitForBackupStart = new Wait(this, 'WaitForBackupStart', {
      time: WaitTime.duration(Duration.seconds(15)),
    });
    const waitForBackup = new Wait(this, 'WaitForBackup', { time: WaitTime.duration(Duration.seconds(15)) });
    const locked = this.waitOutLock('Backup', target, failed);
    startBackup.addCatch(new Succeed(this, 'BackupNotStarted'), {
      errors: ['RunStoppedError'],
      resultPath: '$.error',
    });
    startBackup.addCatch(locked, { errors: ['ProxmoxLockedError'], resultPath: '$.error' });
    startBackup.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    checkBackup.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const backupFinished = new Choice(this, 'BackupFinished?')
      .when(Condition.stringEquals('$.status.value.status', 'running'), waitForBackup)
      .when(taskSucceeded, succeeded)
      .when(
        Condition.and(
          Condition.isPresent('$.status.value.error'),
          Condition.stringMatches('$.status.value.error', '*is locked (*'),
        ),
        locked,
      )
      .otherwise(failed);
    target.next(startBackup);
    startBackup.next(waitForBackupStart);
    waitForBackupStart.next(checkBackup);
    waitForBackup.next(checkBackup);
    checkBackup.next(backupFinished);
    return target;
  }

  /**
   * A locked guest (`VM is locked (backup)`): counted, and sent again after 30 s, up to
   * `lockRetries` times; then its result is recorded as failed. Returns the state that counts.
   */
  private waitOutLock(prefix: '' | 'Backup', createSnapshot: IChainable, recordFailed: IChainable): Pass {
    const waitForLock = new Wait(this, `WaitFor${prefix}Lock`, {
      time: WaitTime.duration(Duration.seconds(30)),
    });
    const countLockAttempt = new Pass(this, `Count${prefix}LockAttempt`, {
      parameters: {
        'item.$': '$.item',
        'attempt.$': 'States.MathAdd($.attempt, 1)',
        'error.$': '$.error',
        'status.$': '$.status',
      },
    });
    const lockedTooLong = new Choice(this, `${prefix}LockedTooLong?`)
      .when(Condition.numberGreaterThanEquals('$.attempt', this.props.lockRetries ?? 10), recordFailed)
      .otherwise(waitForLock);
    countLockAttempt.next(lockedTooLong);
    waitForLock.next(createSnapshot);
    return countLockAttempt;
  }

  /**
   * The guest's result, written once: `RecordSucceeded` (with the snapshot's `vmstate` as Proxmox
   * lists it), `RecordAlreadyTaken` (the deterministic name is taken: an earlier attempt took this
   * tick's snapshot) or `RecordFailed` with Proxmox's text. A success returns the guest's
   * retention deletions.
   */
  private recordResult(): { succeeded: LambdaInvoke; alreadyTaken: LambdaInvoke; failed: LambdaInvoke } {
    const fn = this.props.recordResult;
    const deletions = { resultSelector: { 'deletions.$': '$.Payload.deletions' }, resultPath: '$.prune' };
    const succeeded = this.serviceStep('RecordSucceeded', fn, {
      payload: TaskInput.fromObject({
        'item.$': '$.item',
        outcome: 'succeeded',
        'upid.$': '$.task.value.upid',
        // The last status, with the snapshot's `vmstate` as Proxmox lists it.
        'taskStatus.$': '$.status.value',
      }),
      ...deletions,
    });
    const alreadyTaken = this.serviceStep('RecordAlreadyTaken', fn, {
      // Its `vmstate`, when the task's check listed it, is in the last status.
      payload: TaskInput.fromObject({
        'item.$': '$.item',
        outcome: 'succeeded',
        'taskStatus.$': '$.status.value',
      }),
      ...deletions,
    });
    const failed = this.serviceStep('RecordFailed', fn, {
      payload: TaskInput.fromObject({
        'item.$': '$.item',
        outcome: 'failed',
        'error.$': '$.error',
        'taskStatus.$': '$.status.value',
        'attempt.$': '$.attempt',
      }),
      resultPath: JsonPath.DISCARD,
    });
    // A result that cannot be written (the table throttled past every retry) ends only this guest's
    // iteration, never the lane's Map: the guest stays unrecorded, FinishRun counts it as failed
    // and names it in the run's reason, and the run's reconciliation adopts a snapshot it took.
    const notRecorded = new Pass(this, 'ResultNotRecorded', { resultPath: JsonPath.DISCARD });
    for (const step of [succeeded, alreadyTaken, failed])
      step.addCatch(notRecorded, { errors: ['States.ALL'], resultPath: '$.recordError' });
    return { succeeded, alreadyTaken, failed };
  }

  /**
   * Retention, per guest once its snapshot is recorded (the record step returns the deletions; a
   * sweep's prune-only item asks `PlanPrune`). Pruning never fails the guest or the run: a failed
   * deletion is recorded and decided again by the next run or sweep. Returns the entry after a
   * recorded snapshot (`recorded`) and the one for a prune-only item (`planned`).
   */
  private pruneGuest(): { recorded: Choice; planned: LambdaInvoke } {
    const pruneSkipped = new Pass(this, 'PruneSkipped', { resultPath: JsonPath.DISCARD });
    const planPrune = this.serviceStep('PlanPrune', this.props.planPrune, {
      payload: TaskInput.fromObject({ 'item.$': '$.item' }),
      resultSelector: { 'deletions.$': '$.Payload.deletions' },
      resultPath: '$.prune',
    });
    planPrune.addCatch(pruneSkipped, { errors: ['States.ALL'], resultPath: '$.pruneError' });
    const pruneSnapshots = new MapState(this, 'PruneSnapshots', {
      itemsPath: '$.prune.deletions',
      // One after another: Proxmox locks the guest for each deletion.
      maxConcurrency: 1,
      itemSelector: { 'deletion.$': '$$.Map.Item.Value', error: {}, status: { value: {} } },
      resultPath: JsonPath.DISCARD,
    });
    pruneSnapshots.itemProcessor(
      new Choice(this, 'Archive?')
        .when(Condition.isPresent('$.deletion.volid'), this.deleteArchive())
        .otherwise(this.deleteSnapshot()),
    );
    pruneSnapshots.addCatch(pruneSkipped, { errors: ['States.ALL'], resultPath: '$.pruneError' });
    // Most guests have nothing to delete on most ticks: no Map then (fewer transitions).
    const anythingToPrune = new Choice(this, 'AnythingToPrune?')
      .when(Condition.isPresent('$.prune.deletions[0]'), pruneSnapshots)
      .otherwise(new Succeed(this, 'NothingToPrune'));
    planPrune.next(anythingToPrune);
    return { recorded: anythingToPrune, planned: planPrune };
  }

  /**
   * One retention deletion: `DeleteSnapshot` (a lock at the call waited out, as for snapshots) →
   * `WaitForDeleteStart` → `CheckDelete` ⇄ `WaitForDelete`, recorded as deleted, gone (deleted
   * earlier or by hand) or failed.
   */
  private deleteSnapshot(): LambdaInvoke {
    const recordPrune = (name: string, outcome: 'deleted' | 'gone' | 'failed') =>
      this.serviceStep(name, this.props.recordPrune, {
        payload: TaskInput.fromObject({
          'deletion.$': '$.deletion',
          outcome,
          ...(outcome === 'failed' ? { 'error.$': '$.error', 'taskStatus.$': '$.status.value' } : {}),
        }),
        resultPath: JsonPath.DISCARD,
      });
    const recordPruned = recordPrune('RecordPruned', 'deleted');
    const recordGone = recordPrune('RecordGone', 'gone');
    const recordPruneFailed = recordPrune('RecordPruneFailed', 'failed');
    const deleteSnapshot = this.connectorCall(
      'DeleteSnapshot',
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
    deleteSnapshot.addRetry({
      errors: ['ProxmoxLockedError'],
      interval: Duration.seconds(30),
      maxAttempts: this.props.lockRetries ?? 10,
      backoffRate: 1,
    });
    deleteSnapshot.addCatch(recordPruneFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const checkDelete = this.connectorCall(
      'CheckDelete',
      { type: 'taskStatus', 'upid.$': '$.task.value.upid' },
      '$.status',
      '$.deletion',
    );
    this.retryRead(checkDelete);
    checkDelete.addCatch(recordPruneFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const waitForDeleteStart = new Wait(this, 'WaitForDeleteStart', {
      time: WaitTime.duration(Duration.seconds(2)),
    });
    const waitForDelete = new Wait(this, 'WaitForDelete', { time: WaitTime.duration(Duration.seconds(2)) });
    deleteSnapshot.next(waitForDeleteStart);
    waitForDeleteStart.next(checkDelete);
    waitForDelete.next(checkDelete);
    checkDelete.next(
      new Choice(this, 'DeleteFinished?')
        .when(Condition.stringEquals('$.status.value.status', 'running'), waitForDelete)
        .when(taskSucceeded, recordPruned)
        .when(Condition.stringMatches('$.status.value.exitstatus', "snapshot '*' does not exist"), recordGone)
        .otherwise(recordPruneFailed),
    );
    return deleteSnapshot;
  }

  /**
   * Retention's deletion of a backup policy's archive: `DeleteArchive` (the storage content's
   * DELETE, a short `imgdel` task) → `WaitForArchiveDelete` ⇄ `CheckArchiveDelete`, recorded as
   * deleted, gone (the storage no longer has it) or failed, like a snapshot's.
   */
  private deleteArchive(): LambdaInvoke {
    const recordPrune = (name: string, outcome: 'deleted' | 'gone' | 'failed') =>
      this.serviceStep(name, this.props.recordPrune, {
        payload: TaskInput.fromObject({
          'deletion.$': '$.deletion',
          outcome,
          ...(outcome === 'failed' ? { 'error.$': '$.error', 'taskStatus.$': '$.status.value' } : {}),
        }),
        resultPath: JsonPath.DISCARD,
      });
    const recorded = recordPrune('RecordArchivePruned', 'deleted');
    const gone = recordPrune('RecordArchiveGone', 'gone');
    const failed = recordPrune('RecordArchivePruneFailed', 'failed');
    const deleteArchive = this.connectorCall(
      'DeleteArchive',
      {
        type: 'deleteVolume',
        'node.$': '$.deletion.node',
        'storage.$': '$.deletion.storage',
        'volid.$': '$.deletion.volid',
      },
      '$.task',
      '$.deletion',
    );
    deleteArchive.addCatch(gone, { errors: ['ProxmoxNotFoundError'], resultPath: '$.error' });
    deleteArchive.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const checkDelete = this.connectorCall(
      'CheckArchiveDelete',
      { type: 'taskStatus', 'upid.$': '$.task.value.upid' },
      '$.status',
      '$.deletion',
    );
    this.retryRead(checkDelete);
    checkDelete.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const waitForDelete = new Wait(this, 'WaitForArchiveDelete', {
      time: WaitTime.duration(Duration.seconds(2)),
    });
    // Some storages delete at once and answer without a task.
    deleteArchive.next(
      new Choice(this, 'ArchiveDeleteTask?')
        .when(Condition.isString('$.task.value.upid'), waitForDelete)
        .otherwise(recorded),
    );
    waitForDelete.next(checkDelete);
    checkDelete.next(
      new Choice(this, 'ArchiveDeleteFinished?')
        .when(Condition.stringEquals('$.status.value.status', 'running'), waitForDelete)
        .when(taskSucceeded, recorded)
        .otherwise(failed),
    );
    return deleteArchive;
  }

  /** 4. `FinishRun`: the run's status from its counts, written once, and its event published. */
  private finishRun(): LambdaInvoke {
    return this.serviceStep('FinishRun', this.props.finishRun, {
      payload: TaskInput.fromObject({ 'tenantId.$': '$.tenantId', 'runId.$': '$.claim.runId' }),
      resultSelector: {
        'status.$': '$.Payload.status',
        'targets.$': '$.Payload.targets',
        'succeeded.$': '$.Payload.succeeded',
        'failed.$': '$.Payload.failed',
      },
      resultPath: '$.summary',
    });
  }

  /**
   * `ReconcileRun`: once the run's result is final, its guests' records are repaired against
   * Proxmox (the service's snapshots without a record adopted, vanished ones marked missing, stuck
   * locks reported). Off the run's critical path, and it never fails the run.
   */
  private reconcileRun(): LambdaInvoke {
    const reconcile = lambdaTask(this, 'ReconcileRun', {
      lambdaFunction: this.props.reconcileGuests,
      taskTimeout: this.stepTimeout,
      payload: TaskInput.fromObject({ 'tenantId.$': '$.tenantId', 'runId.$': '$.claim.runId' }),
      resultSelector: { 'summary.$': '$.Payload' },
      resultPath: '$.reconciled',
    });
    reconcile.addCatch(new Pass(this, 'ReconcileSkipped', { resultPath: JsonPath.DISCARD }), {
      errors: ['States.ALL'],
      resultPath: '$.reconcileError',
    });
    return reconcile;
  }

  /**
   * A call of one of the service's own steps. They are idempotent, so a transient failure
   * (throttling, a publish that did not go through) is retried where it happened instead of
   * losing a result or an event.
   */
  private serviceStep(
    name: string,
    fn: IFunction,
    props: Omit<LambdaInvokeProps, 'lambdaFunction' | 'taskTimeout'>,
  ): LambdaInvoke {
    const step = lambdaTask(this, name, {
      lambdaFunction: fn,
      taskTimeout: this.stepTimeout,
      ...props,
    });
    step.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 3, backoffRate: 2 });
    return step;
  }

  /** One command to the connector for the cluster of `on` (a guest's item or a deletion). */
  private connectorCall(
    name: string,
    /** The command, or an expression that builds it (an intrinsic function). */
    command: Record<string, unknown> | string,
    resultPath: string,
    on: '$.item' | '$.deletion' = '$.item',
    extra: Record<string, unknown> = {},
  ): LambdaInvoke {
    return lambdaTask(this, name, {
      lambdaFunction: this.props.connector,
      payload: TaskInput.fromObject({
        'tenantId.$': `${on}.tenantId`,
        'clusterId.$': `${on}.clusterId`,
        ...(typeof command === 'string' ? { 'command.$': command } : { command }),
        ...extra,
      }),
      resultSelector: { 'value.$': '$.Payload' },
      resultPath,
      taskTimeout: this.connectorTimeout,
    });
  }

  /** A status poll is a read: a server error or an unreachable node is looked at again with backoff. */
  private retryRead(task: LambdaInvoke): void {
    task.addRetry({
      errors: ['ProxmoxServerError', 'ProxmoxUnreachableError'],
      interval: Duration.seconds(2),
      maxAttempts: 5,
      backoffRate: 2,
      jitterStrategy: JitterType.FULL,
    });
  }

  private stateMachineOf(id: string, definition: IChainable, timeout: Duration): StateMachine {
    const { logGroup } = this.props;
    return new StateMachine(this, id, {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: StateMachineType.STANDARD,
      timeout,
      tracingEnabled: true,
      ...(logGroup
        ? { logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false } }
        : {}),
    });
  }

  /** cdk-nag: both roles invoke the task functions; the parent's also waits for (and stops) lanes. */
  private acknowledgeRoles(): void {
    const p = this.props;
    const taskFunctions = [
      p.claimRun,
      p.resolveTargets,
      p.recordResult,
      p.finishRun,
      p.loadLane,
      p.planPrune,
      p.recordPrune,
      p.reconcileGuests,
      p.connector,
    ];
    acknowledgeStateMachineRole(this.stateMachine.role, taskFunctions);
    acknowledgeStateMachineRole(this.laneStateMachine.role, taskFunctions);
    const lane = this.laneStateMachine.node.defaultChild as CfnResource | undefined;
    if (!lane) return;
    const laneName = JSON.stringify({
      'Fn::Select': [6, { 'Fn::Split': [':', { Ref: Stack.of(this).getLogicalId(lane) }] }],
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${laneName}*]`,
      reason:
        'Waiting for a lane (startExecution.sync) needs to describe and stop that state machine\u2019s executions.',
    });
  }
}
