import { type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  type IChainable,
  IntegrationPattern,
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
import { HOOK_CHECK_SECONDS } from '#shared/domain/history-budget.ts';
import { BACKUP_PATH_LIMITS } from '#shared/services/policy-run/work-item.ts';
import { FastLane } from './fast-lane.ts';
import { acknowledgeWildcard } from './nag-acknowledgements.ts';
import { acknowledgeStateMachineRole } from './state-machine-role-acknowledgements.ts';
import { lambdaTask, retryStartExecution } from './task-retries.ts';
import { CONNECTOR_TASK_TIMEOUT, HOOK_TASK_TIMEOUT, STEP_TASK_TIMEOUT } from './task-timeouts.ts';
import {
  allowFollowingExpressChild,
  type ConnectorTarget,
  connectorCall,
  type RecordResultSteps,
  recordResultSteps,
  retryRead,
  SNAPSHOT_COMMANDS,
  serviceStep,
  taskSucceeded,
} from './workflow-calls.ts';

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
  /** A guest's pre or post hook: starts it, or looks at a guest-agent command it started. */
  readonly runHook: IFunction;
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

/**
 * Seconds between an agent's heartbeats while it follows a task; the waiting task gives up after
 * three missed ones (the agent was killed or lost its connection) and the task is polled instead.
 */
export const FOLLOW_HEARTBEAT_SECONDS = 20;
const FOLLOW_HEARTBEAT_TIMEOUT = Duration.seconds(FOLLOW_HEARTBEAT_SECONDS * 3);

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
  'followTasks',
  'hooks',
] as const;
const GUEST_FIELDS = ['guestId', 'node', 'guestType', 'vmid', 'vmstate', 'upid'] as const;

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
  /** The EXPRESS fast lane: a snapshot policy's chunk, handing back what waits long ({@link FastLane}). */
  public readonly fastLaneStateMachine: StateMachine;

  private readonly props: PolicyRunWorkflowProps;
  private readonly stepTimeout: Timeout;
  private readonly connectorTimeout: Timeout;

  constructor(scope: Construct, id: string, props: PolicyRunWorkflowProps) {
    super(scope, id);
    this.props = props;
    this.stepTimeout = Timeout.duration(props.stepTimeout ?? STEP_TASK_TIMEOUT);
    this.connectorTimeout = Timeout.duration(props.connectorTimeout ?? CONNECTOR_TASK_TIMEOUT);

    this.laneStateMachine = this.stateMachineOf('LaneStateMachine', this.lane(), LANE_TIMEOUT);
    this.fastLaneStateMachine = this.fastLane();
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
   * after another, so the node's cap holds across them. A snapshot policy's lane starts as an
   * Express fast lane (`RunFastLane`, billed per request, not per transition); the guests it hands
   * back, or all of them if it failed, are finished by the Standard lane (`FinishLane`, `RunLane`),
   * a child execution whose history stays under Step Functions' 25,000-event quota.
   */
  private snapshotLanes(): MapState {
    const laneInput = {
      'tenantId.$': '$.tenantId',
      'laneSetId.$': '$.laneSetId',
      'index.$': '$.index',
    };
    const runLane = this.startLane('RunLane', laneInput);
    const finishLane = this.startLane('FinishLane', { ...laneInput, 'resume.$': '$.fast.output.handedBack' });
    const runFastLane = new StepFunctionsStartExecution(this, 'RunFastLane', {
      stateMachine: this.fastLaneStateMachine,
      integrationPattern: IntegrationPattern.RUN_JOB,
      associateWithParent: true,
      // Express ends an execution at 5 minutes itself; this only ends a start that was lost.
      taskTimeout: Timeout.duration(Duration.minutes(6)),
      input: TaskInput.fromObject(laneInput),
      resultSelector: { 'output.$': '$.Output' },
      resultPath: '$.fast',
    });
    retryStartExecution(runFastLane);
    // A fast lane that failed (or ran past Express's limit) is redone by the Standard lane: what
    // it did is found done (the snapshot's name is taken, its result written).
    runFastLane.addCatch(runLane, { errors: ['States.ALL'], resultPath: '$.fastError' });
    runFastLane.next(
      new Choice(this, 'HandedBack?')
        .when(
          Condition.and(
            Condition.numberEquals('$.fast.output.distinct', 1),
            Condition.booleanEquals('$.fast.output.anyDone', true),
          ),
          new Succeed(this, 'FastLaneDone'),
        )
        .otherwise(finishLane),
    );
    const chunks = new MapState(this, 'RunChunks', {
      itemsPath: '$.chunks',
      maxConcurrency: 1,
      // Only the lane's reference travels: a run's guests in full would pass the 256 KiB limit.
      itemSelector: {
        'tenantId.$': '$.tenantId',
        'laneSetId.$': '$.laneSetId',
        'index.$': '$$.Map.Item.Value',
        'fast.$': '$.fast',
      },
      resultPath: JsonPath.DISCARD,
    });
    chunks.itemProcessor(
      new Choice(this, 'FastLane?')
        .when(Condition.booleanEquals('$.fast', true), runFastLane)
        .otherwise(runLane),
    );
    const perNode = new MapState(this, 'SnapshotLanes', {
      itemsPath: '$.work.lanes',
      maxConcurrency: this.props.nodeConcurrency ?? 50,
      itemSelector: {
        'tenantId.$': '$.tenantId',
        'laneSetId.$': '$.claim.runId',
        'chunks.$': '$$.Map.Item.Value.chunks',
        'fast.$': '$$.Map.Item.Value.fast',
      },
      resultPath: JsonPath.DISCARD,
    });
    perNode.itemProcessor(chunks);
    return perNode;
  }

  /** A Standard lane started and waited for (`startExecution.sync`): all of a stored lane, or the guests handed back. */
  private startLane(id: string, input: Record<string, unknown>): StepFunctionsStartExecution {
    const start = new StepFunctionsStartExecution(this, id, {
      stateMachine: this.laneStateMachine,
      integrationPattern: IntegrationPattern.RUN_JOB,
      associateWithParent: true,
      // As long as the lane itself may run. A lane given up (this timeout, or the run stopped) is
      // stopped by Step Functions (the role may stop lane executions), and the run's finished
      // state refuses whatever it would still record.
      taskTimeout: Timeout.duration(LANE_TIMEOUT),
      input: TaskInput.fromObject(input),
      resultPath: JsonPath.DISCARD,
    });
    // Too many open executions or a throttled start: the lane has not started, so it is started again later.
    retryStartExecution(start);
    // A lost lane must not stop the other lanes; its guests stay unrecorded and FinishRun counts them as failed.
    start.addCatch(new Pass(this, `${id}Lost`, { resultPath: JsonPath.DISCARD }), {
      errors: ['States.ALL'],
      resultPath: '$.laneError',
    });
    return start;
  }

  /** The Express fast lane's state machine (see {@link FastLane}). */
  private fastLane(): StateMachine {
    const p = this.props;
    const lane = new FastLane(this, 'Fast', {
      loadLane: p.loadLane,
      recordResult: p.recordResult,
      recordPrune: p.recordPrune,
      connector: p.connector,
      stepTimeout: this.stepTimeout,
      connectorTimeout: this.connectorTimeout,
      laneFields: LANE_FIELDS,
      guestFields: GUEST_FIELDS.filter((field) => field !== 'upid'),
    });
    const machine = new StateMachine(this, 'FastLaneStateMachine', {
      definitionBody: DefinitionBody.fromChainable(lane.definition),
      stateMachineType: StateMachineType.EXPRESS,
      tracingEnabled: true,
      // Express keeps no execution history: its log is where a failed fast lane is read.
      ...(p.logGroup
        ? { logs: { destination: p.logGroup, level: LogLevel.ERROR, includeExecutionData: false } }
        : {}),
    });
    Validations.of(machine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason:
        'The fast lane logs errors only: at ALL, its log events (about twenty per guest snapshot) would cost more than the lane itself.',
    });
    return machine;
  }

  /** A lane, the child execution: `LoadLane`, then its guests (`SnapshotGuests`). */
  private lane(): IChainable {
    return this.loadLane().next(this.snapshotGuests());
  }

  /** `LoadLane`: the lane's guests (compact) and what they share, from the table. */
  private loadLane(): LambdaInvoke {
    return this.serviceStep('LoadLane', this.props.loadLane, {
      // The lane's reference, and the guests a fast lane handed back (`resume`) when it finishes them.
      payload: TaskInput.fromJsonPathAt('$'),
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
    // The post hook runs once the result is recorded (or not), then retention; without hooks, retention at once.
    const post = this.hook('post', prune.recorded);
    const afterRecord = new Choice(this, 'PostHook?')
      .when(Condition.booleanEquals('$.item.hooks', true), post.start)
      .otherwise(prune.recorded);
    const backup = this.backupGuest(afterRecord);
    const snapshot = this.snapshotGuest(afterRecord);
    const work = new Choice(this, 'Backup?')
      // A guest a fast lane handed back with its task still running: looked at until it ends.
      .when(Condition.isString('$.item.upid'), snapshot.resume)
      .when(Condition.stringEquals('$.item.kind', 'backup'), backup.start)
      .otherwise(snapshot.start);
    // An aborting pre hook skips the guest: its result is recorded as failed with the hook's reason.
    const pre = this.hook('pre', work, snapshot.failed);
    perGuest.itemProcessor(
      new Choice(this, 'PruneOnly?')
        .when(Condition.booleanEquals('$.item.pruneOnly', true), prune.planned)
        .when(Condition.booleanEquals('$.item.hooks', true), pre.start)
        .otherwise(work),
    );
    return perGuest;
  }

  /**
   * One guest's snapshot: `CreateSnapshot` (sent only while the run goes on) → `WaitForTaskStart`
   * → `CheckTask` ⇄ `WaitForTask` until the task stops, then its result recorded
   * ({@link recordResult}); a lock, at the call or in the task, is waited out ({@link waitOutLock}).
   */
  private snapshotGuest(pruneRecorded: IChainable): {
    start: LambdaInvoke;
    failed: IChainable;
    resume: Pass;
  } {
    const record = this.recordResult(pruneRecorded);
    const createSnapshot = this.connectorCall(
      'CreateSnapshot',
      SNAPSHOT_COMMANDS.create,
      '$.task',
      '$.item',
      // Sent only while the run goes on: after a cancel no further guest is started.
      { 'whileRunning.$': '$.item.runId' },
    );
    const status = SNAPSHOT_COMMANDS.taskStatus;
    const checkTask = this.connectorCall('CheckTask', status, '$.status');
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
    createSnapshot.next(
      this.followOrPoll('', { until: status, everySeconds: 1 }, waitForTaskStart, checkTask, taskFinished),
    );
    waitForTaskStart.next(checkTask);
    waitForTask.next(checkTask);
    checkTask.next(taskFinished);
    const resume = new Pass(this, 'ResumeTask', {
      parameters: { value: { 'upid.$': '$.item.upid' } },
      resultPath: '$.task',
    });
    resume.next(waitForTask);
    return { start: createSnapshot, failed: record.failed, resume };
  }

  /**
   * One guest's backup: `StartBackup` (vzdump of this one guest, sent only while the run goes on)
   * → `WaitForBackupStart` → `CheckBackup` ⇄ `WaitForBackup…s` until the task stops (vzdump takes
   * minutes to hours: the first look after 5 s, then waits of about a quarter of the time it has
   * run, up to 5 minutes, so it is seen stopped soon after it ended and an 8-hour backup stays
   * within the lane's history budget), then `RecordBackupSucceeded` with the archive
   * the task wrote, or `RecordBackupFailed` with the guest's error from the log. A guest locked by
   * a snapshot (vzdump logs `VM is locked (snapshot)`) is waited out as a snapshot waits out a
   * backup.
   */
  private backupGuest(pruneRecorded: IChainable): { start: Pass } {
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
    failed.next(pruneRecorded);
    notRecorded.next(pruneRecorded);

    // The connector's vzdump command: the lane's options with this guest's node and id.
    const target = new Pass(this, 'BackupTarget', {
      parameters: { type: 'vzdump', 'node.$': '$.item.node', 'vmid.$': '$.item.vmid' },
      resultPath: '$.target',
    });
    const limits = BACKUP_PATH_LIMITS;
    // The looks so far, counted while the schedule still steps (see BACKUP_PATH_LIMITS).
    const startPolls = new Pass(this, 'StartBackupPolls', {
      parameters: { looks: 0 },
      resultPath: '$.poll',
    });
    const startBackup = this.connectorCall(
      'StartBackup',
      'States.JsonMerge($.item.vzdump, $.target, false)',
      '$.task',
      '$.item',
      { 'whileRunning.$': '$.item.runId' },
    );
    const status = {
      type: 'backupTaskStatus',
      'node.$': '$.item.node',
      'vmid.$': '$.item.vmid',
      'storage.$': '$.item.vzdump.storage',
      'upid.$': '$.task.value.upid',
    };
    const checkBackup = this.connectorCall('CheckBackup', status, '$.status');
    this.retryRead(checkBackup);
    const waitForBackupStart = new Wait(this, 'WaitForBackupStart', {
      time: WaitTime.duration(Duration.seconds(limits.firstCheckSeconds)),
    });
    const locked = this.waitOutLock('Backup', target, failed);
    startBackup.addCatch(new Succeed(this, 'BackupNotStarted'), {
      errors: ['RunStoppedError'],
      resultPath: '$.error',
    });
    startBackup.addCatch(locked, { errors: ['ProxmoxLockedError'], resultPath: '$.error' });
    startBackup.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    checkBackup.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const running = Condition.stringEquals('$.status.value.status', 'running');
    // The poll schedule: per step a fixed Wait (so a scaled local run scales every wait alike),
    // reached through a count of the looks while the schedule still steps; its last step waits
    // without counting.
    const backupFinished = new Choice(this, 'BackupFinished?');
    let looksBefore = 0;
    for (const step of limits.pollSteps) {
      const wait = new Wait(this, `WaitForBackup${step.seconds}s`, {
        time: WaitTime.duration(Duration.seconds(step.seconds)),
      });
      wait.next(checkBackup);
      if (step.looks === undefined) {
        backupFinished.when(running, wait);
        continue;
      }
      looksBefore += step.looks;
      const count = new Pass(this, `CountBackupLook${step.seconds}s`, {
        parameters: { 'looks.$': 'States.MathAdd($.poll.looks, 1)' },
        resultPath: '$.poll',
      });
      count.next(wait);
      backupFinished.when(
        Condition.and(running, Condition.numberLessThan('$.poll.looks', looksBefore)),
        count,
      );
    }
    backupFinished
      .when(taskSucceeded, succeeded)
      .when(
        Condition.and(
          Condition.isPresent('$.status.value.error'),
          Condition.stringMatches('$.status.value.error', '*is locked (*'),
        ),
        locked,
      )
      .otherwise(failed);
    target.next(startPolls);
    startPolls.next(startBackup);
    startBackup.next(
      this.followOrPoll(
        'Backup',
        { until: status, everySeconds: 5 },
        waitForBackupStart,
        checkBackup,
        backupFinished,
      ),
    );
    waitForBackupStart.next(checkBackup);
    checkBackup.next(backupFinished);
    return { start: target };
  }

  /**
   * After a task started: on an agent's cluster the agent follows the task and reports its end
   * (`Follow…Task` waits for that callback: the same few transitions however long the task runs);
   * elsewhere, or when the agent cannot (offline, too old, silent past three heartbeats, stopped),
   * the task is polled from `poll` on, or looked at once more (`look`) after a failed follow.
   */
  private followOrPoll(
    prefix: '' | 'Backup',
    follow: { until: Record<string, unknown>; everySeconds: number },
    poll: IChainable,
    look: IChainable,
    finished: IChainable,
  ): Choice {
    const followTask = lambdaTask(this, `Follow${prefix}Task`, {
      lambdaFunction: this.props.connector,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        'tenantId.$': '$.item.tenantId',
        'clusterId.$': '$.item.clusterId',
        command: { type: 'followTask', ...follow, heartbeatSeconds: FOLLOW_HEARTBEAT_SECONDS },
        taskToken: JsonPath.taskToken,
      }),
      resultSelector: { 'value.$': '$' },
      resultPath: '$.status',
      heartbeatTimeout: Timeout.duration(FOLLOW_HEARTBEAT_TIMEOUT),
      taskTimeout: Timeout.duration(LANE_TIMEOUT),
    });
    followTask.addCatch(look, { errors: ['States.ALL'], resultPath: JsonPath.DISCARD });
    followTask.next(finished);
    return new Choice(this, `${prefix}FollowedByAgent?`)
      .when(Condition.booleanEquals('$.item.followTasks', true), followTask)
      .otherwise(poll);
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
   * The guest's result, written once ({@link recordResultSteps}), the lock attempts counted in a
   * failure; every outcome, an unwritten one too, goes on to retention (`next`).
   */
  private recordResult(next: IChainable): RecordResultSteps {
    const steps = recordResultSteps(this, '', this.props.recordResult, this.stepTimeout, {
      path: '$.attempt',
    });
    for (const step of [steps.succeeded, steps.alreadyTaken, steps.failed, steps.notRecorded])
      step.next(next);
    return steps;
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

  /** `RecordPrune` for one deletion, snapshot or archive: deleted, gone or failed (with the error). */
  private recordPrune(name: string, outcome: 'deleted' | 'gone' | 'failed'): LambdaInvoke {
    return this.serviceStep(name, this.props.recordPrune, {
      payload: TaskInput.fromObject({
        'deletion.$': '$.deletion',
        outcome,
        ...(outcome === 'failed' ? { 'error.$': '$.error', 'taskStatus.$': '$.status.value' } : {}),
      }),
      resultPath: JsonPath.DISCARD,
    });
  }

  /**
   * One retention deletion: `DeleteSnapshot` (a lock at the call waited out, as for snapshots) →
   * `WaitForDeleteStart` → `CheckDelete` ⇄ `WaitForDelete`, recorded as deleted, gone (deleted
   * earlier or by hand) or failed.
   */
  private deleteSnapshot(): LambdaInvoke {
    const recordPruned = this.recordPrune('RecordPruned', 'deleted');
    const recordGone = this.recordPrune('RecordGone', 'gone');
    const recordPruneFailed = this.recordPrune('RecordPruneFailed', 'failed');
    const deleteSnapshot = this.connectorCall(
      'DeleteSnapshot',
      SNAPSHOT_COMMANDS.delete,
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
    const recorded = this.recordPrune('RecordArchivePruned', 'deleted');
    const gone = this.recordPrune('RecordArchiveGone', 'gone');
    const failed = this.recordPrune('RecordArchivePruneFailed', 'failed');
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

  /**
   * A guest's `pre` or `post` hook: `StartPreHook` (the step claims the call, then calls the
   * HTTPS hook or starts the guest-agent command) → while an agent command runs, `WaitForPreHook`
   * ⇄ `CheckPreHook` (the step records it timed out once past its deadline); when an HTTPS
   * receiver answered 202, `AwaitPreHookCallback` waits for its callback on a task token, at most
   * until the hook's deadline (`TimeoutSecondsPath`): no Lambda waits, the callback's outcome is
   * the task's output; a timeout (or a callback that came before the token was stored) goes to
   * `CheckPreHook`, which reads the record (timed out, or the callback's outcome) → `PreHookDone?`:
   * on to `next`, or, when a failed pre hook aborts, to `abort` with the hook's reason as the
   * error. A `continue` hook's warning rides on the item to the result. The hook step never
   * fails the guest: an error of the step itself goes on as a failed hook would not (logged in
   * `$.hookError`).
   */
  private hook(phase: 'pre' | 'post', next: IChainable, abort?: IChainable): { start: LambdaInvoke } {
    const name = phase === 'pre' ? 'PreHook' : 'PostHook';
    const step = (id: string, action: 'start' | 'check') =>
      this.serviceStep(id, this.props.runHook, {
        payload: TaskInput.fromObject({ 'item.$': '$.item', phase, action }),
        resultSelector: { 'value.$': '$.Payload' },
        resultPath: '$.hook',
        taskTimeout: Timeout.duration(HOOK_TASK_TIMEOUT),
      });
    const start = step(`Start${name}`, 'start');
    const check = step(`Check${name}`, 'check');
    const wait = new Wait(this, `WaitFor${name}`, {
      time: WaitTime.duration(Duration.seconds(HOOK_CHECK_SECONDS)),
    });
    const awaitCallback = lambdaTask(this, `Await${name}Callback`, {
      lambdaFunction: this.props.runHook,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        'item.$': '$.item',
        phase,
        action: 'await',
        taskToken: JsonPath.taskToken,
      }),
      resultSelector: { 'value.$': '$' },
      resultPath: '$.hook',
      taskTimeout: Timeout.at('$.hook.value.waitSeconds'),
    });
    awaitCallback.addCatch(check, { errors: ['States.ALL'], resultPath: JsonPath.DISCARD });
    const stepFailed = new Pass(this, `${name}StepFailed`, { resultPath: JsonPath.DISCARD });
    for (const task of [start, check])
      task.addCatch(stepFailed, { errors: ['States.ALL'], resultPath: '$.hookError' });
    stepFailed.next(next);
    const warned = new Pass(this, `${name}Warning`, {
      parameters: { 'hookWarning.$': '$.hook.value.warning' },
      resultPath: '$.warning',
    });
    const carryWarning = new Pass(this, `${name}CarryWarning`, {
      parameters: { 'merged.$': 'States.JsonMerge($.item, $.warning, false)' },
      resultPath: '$.warning',
    });
    const useMerged = new Pass(this, `${name}WarningOnItem`, {
      inputPath: '$.warning.merged',
      resultPath: '$.item',
    });
    warned.next(carryWarning).next(useMerged).next(next);
    let done = new Choice(this, `${name}Done?`)
      .when(Condition.stringEquals('$.hook.value.state', 'running'), wait)
      .when(Condition.stringEquals('$.hook.value.state', 'awaiting'), awaitCallback)
      .when(Condition.isPresent('$.hook.value.warning'), warned);
    if (abort) {
      const aborted = new Pass(this, `${name}Aborted`, {
        inputPath: '$.hook.value.error',
        resultPath: '$.error',
      });
      aborted.next(abort);
      done = done.when(Condition.booleanEquals('$.hook.value.proceed', false), aborted);
    }
    done.otherwise(next);
    start.next(done);
    wait.next(check);
    check.next(done);
    awaitCallback.next(done);
    return { start };
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

  /** A call of one of the service's own steps (see {@link serviceStep}). */
  private serviceStep(
    name: string,
    fn: IFunction,
    props: Omit<LambdaInvokeProps, 'lambdaFunction'>,
  ): LambdaInvoke {
    return serviceStep(this, name, fn, this.stepTimeout, props);
  }

  /** One command to the connector for the cluster of `on` (a guest's item or a deletion). */
  private connectorCall(
    name: string,
    /** The command, or an expression that builds it (an intrinsic function). */
    command: Record<string, unknown> | string,
    resultPath: string,
    on: ConnectorTarget = '$.item',
    extra: Record<string, unknown> = {},
  ): LambdaInvoke {
    return connectorCall(this, this.props.connector, this.connectorTimeout, {
      name,
      command,
      resultPath,
      on,
      extra,
    });
  }

  /** A status poll is a read: a server error or an unreachable node is looked at again with backoff. */
  private retryRead(task: LambdaInvoke): void {
    retryRead(task);
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

  /**
   * cdk-nag: both roles invoke the task functions; the parent's also waits for (and stops) lanes,
   * and follows its Express fast lanes (granted here, next to the acknowledgement of the grant).
   */
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
      p.runHook,
      p.connector,
    ];
    acknowledgeStateMachineRole(this.stateMachine.role, taskFunctions);
    acknowledgeStateMachineRole(this.laneStateMachine.role, taskFunctions);
    acknowledgeStateMachineRole(this.fastLaneStateMachine.role, taskFunctions);
    for (const child of [this.laneStateMachine, this.fastLaneStateMachine]) {
      const lane = child.node.defaultChild as CfnResource | undefined;
      if (!lane) continue;
      const laneName = JSON.stringify({
        'Fn::Select': [6, { 'Fn::Split': [':', { Ref: Stack.of(this).getLogicalId(lane) }] }],
      });
      Validations.of(this.stateMachine.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${laneName}*]`,
        reason:
          'Waiting for a lane (startExecution.sync) needs to describe and stop that state machine\u2019s executions.',
      });
    }
    // The fast lane is EXPRESS: its executions are named `express:<lane>:<name>:<id>`, which the
    // task's own grant on `execution:<lane>*` does not cover (see allowFollowingExpressChild).
    acknowledgeWildcard(
      this.stateMachine.role,
      allowFollowingExpressChild(this.stateMachine, this.fastLaneStateMachine),
      'Waiting for a fast lane (startExecution.sync of an EXPRESS child) needs to describe its executions, each named by the run.',
    );
  }
}
