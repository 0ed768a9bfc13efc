import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Choice,
  Condition,
  type IChainable,
  JsonPath,
  Map as MapState,
  Pass,
  Succeed,
  TaskInput,
  type Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FAST_LANE_LIMITS } from '#shared/services/policy-run/work-item.ts';
import {
  type ConnectorTarget,
  connectorCall,
  type RecordResultSteps,
  recordResultSteps,
  retryRead,
  SNAPSHOT_COMMANDS,
  serviceStep,
  taskSucceeded,
} from './workflow-calls.ts';

export interface FastLaneProps {
  readonly loadLane: IFunction;
  readonly recordResult: IFunction;
  readonly recordPrune: IFunction;
  readonly connector: IFunction;
  readonly stepTimeout: Timeout;
  readonly connectorTimeout: Timeout;
  /** What each guest's item holds: the lane's shared fields and the guest's own. */
  readonly laneFields: readonly string[];
  readonly guestFields: readonly string[];
}

/**
 * The fast lane, an EXPRESS child of the policy run (billed per request and duration, not per
 * state transition): a chunk of a snapshot policy's guests on one node, each guest created,
 * looked at a few times with growing waits, recorded and pruned. Whatever would wait long is
 * handed back in the lane's output (`handedBack`: the guest and its task, if one runs) for the
 * Standard lane to finish: a task still running after the last look, a guest locked at the
 * call. Retention deletions are done here too; one still running after its last look, or
 * refused by a lock, is recorded as failed and decided again by the next run or sweep, as any
 * failed deletion is.
 *
 * Every step is the same idempotent call the Standard lane makes: a lane run again (retried,
 * or redone by the Standard lane after a failure) finds its snapshot taken (`already used`) and
 * its result written, so nothing is done twice. Express has no `.sync` or callback patterns, so
 * nothing here waits for an agent's report; the lane starts no guest past its `startBy`
 * (`FAST_LANE_LIMITS`), which keeps it well inside Express's 5 minutes.
 */
export class FastLane extends Construct {
  /** The lane's definition: `FastLoadLane`, then `FastGuests`. */
  public readonly definition: IChainable;

  private readonly props: FastLaneProps;

  constructor(scope: Construct, id: string, props: FastLaneProps) {
    super(scope, id);
    this.props = props;
    // The lane's time to start guests counts from the execution's start, as Express's limit does
    // (a load retried for Lambda's throttling spends it too).
    const load = this.step('FastLoadLane', props.loadLane, {
      payload: TaskInput.fromObject({
        'tenantId.$': '$.tenantId',
        'laneSetId.$': '$.laneSetId',
        'index.$': '$.index',
        'startedAt.$': '$$.Execution.StartTime',
      }),
      resultSelector: {
        'context.$': '$.Payload.context',
        'perNode.$': '$.Payload.perNode',
        'guests.$': '$.Payload.guests',
        'startBy.$': '$.Payload.startBy',
      },
      resultPath: '$.lane',
    });
    this.definition = load.next(this.guests());
  }

  /**
   * `FastGuests`: `perNode` guests at once. The lane's output is one `handback` per guest: false,
   * or the guest and its task when handed back (small: well under the 256 KiB payload limit), and
   * whether any was (`FastLaneResult`; a path that matches nothing is an error, so every guest
   * answers).
   */
  private guests(): IChainable {
    const shared = Object.fromEntries(
      this.props.laneFields.map((field) => [`${field}.$`, `$.lane.context.${field}`]),
    );
    const own = Object.fromEntries(
      this.props.guestFields.map((field) => [`${field}.$`, `$$.Map.Item.Value.${field}`]),
    );
    const map = new MapState(this, 'FastGuests', {
      itemsPath: '$.lane.guests',
      maxConcurrencyPath: '$.lane.perNode',
      itemSelector: {
        item: { ...shared, ...own },
        'startBy.$': '$.lane.startBy',
        polls: { n: 0 },
        error: {},
        status: { value: {} },
        handback: false,
      },
      resultSelector: { 'handedBack.$': '$[*].handback' },
    });
    map.itemProcessor(this.guest());
    const result = new Pass(this, 'FastLaneResult', {
      parameters: {
        'handedBack.$': '$.handedBack',
        // Nothing handed back: every answer is false (one distinct value, and it is false).
        'distinct.$': 'States.ArrayLength(States.ArrayUnique($.handedBack))',
        'anyDone.$': 'States.ArrayContains($.handedBack, false)',
      },
    });
    return map.next(result);
  }

  /** One guest: `FastCreateSnapshot` → looks at its task → its result recorded → retention. */
  private guest(): IChainable {
    const prune = this.prune();
    const record = this.record(prune);
    const handBack = new Pass(this, 'FastHandBack', {
      parameters: { 'guestId.$': '$.item.guestId', 'upid.$': '$.task.value.upid' },
      resultPath: '$.handback',
    });
    // Not started here (locked at the call, or the lane's time to start guests is up): the
    // Standard lane starts it.
    const handBackUnstarted = new Pass(this, 'FastHandBackUnstarted', {
      parameters: { 'guestId.$': '$.item.guestId', upid: null },
      resultPath: '$.handback',
    });
    const create = this.connector('FastCreateSnapshot', SNAPSHOT_COMMANDS.create, '$.task', '$.item', {
      'whileRunning.$': '$.item.runId',
      'startBy.$': '$.startBy',
    });
    create.addCatch(new Succeed(this, 'FastGuestNotStarted'), {
      errors: ['RunStoppedError'],
      resultPath: '$.error',
    });
    create.addCatch(record.alreadyTaken, { errors: ['ProxmoxAlreadyExistsError'], resultPath: '$.error' });
    create.addCatch(handBackUnstarted, {
      errors: ['ProxmoxLockedError', 'LaneTimeUpError'],
      resultPath: '$.error',
    });
    create.addCatch(record.failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const check = this.connector('FastCheckTask', SNAPSHOT_COMMANDS.taskStatus, '$.status');
    retryRead(check);
    check.addCatch(record.failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const looks = this.looks('Fast', FAST_LANE_LIMITS.checkSeconds, check, handBack);
    check.next(
      new Choice(this, 'FastTaskFinished?')
        .when(Condition.stringEquals('$.status.value.status', 'running'), looks)
        .when(taskSucceeded, record.succeeded)
        // Locked inside the task, or a name an earlier attempt took: the Standard lane knows both.
        .when(Condition.stringMatches('$.status.value.exitstatus', '*is locked (*'), handBack)
        .when(
          Condition.stringMatches('$.status.value.exitstatus', "snapshot name '*' already used"),
          record.alreadyTaken,
        )
        .otherwise(record.failed),
    );
    const firstLook = new Wait(this, 'FastWaitForTaskStart', {
      time: WaitTime.duration(Duration.seconds(FAST_LANE_LIMITS.firstCheckSeconds)),
    });
    create.next(firstLook).next(check);
    return create;
  }

  /**
   * Another look at a running task after a growing wait (`checkSeconds`, one entry per look);
   * past the last one, `exhausted`. Returns the state that counts the looks.
   */
  private looks(prefix: string, waits: readonly number[], check: IChainable, exhausted: IChainable): Pass {
    const count = new Pass(this, `${prefix}CountLook`, {
      parameters: {
        'n.$': 'States.MathAdd($.polls.n, 1)',
        'seconds.$': `States.ArrayGetItem(States.Array(${[...waits, 0].join(', ')}), $.polls.n)`,
      },
      resultPath: '$.polls',
    });
    const wait = new Wait(this, `${prefix}WaitForTask`, { time: WaitTime.secondsPath('$.polls.seconds') });
    count.next(
      new Choice(this, `${prefix}LookedEnough?`)
        .when(Condition.numberGreaterThan('$.polls.n', waits.length), exhausted)
        .otherwise(wait),
    );
    wait.next(check);
    return count;
  }

  /** The guest's result, written once, as the Standard lane writes it; a success returns its deletions. */
  private record(next: IChainable): RecordResultSteps {
    // No lock attempts here: a locked guest is handed back to the Standard lane.
    const steps = recordResultSteps(this, 'Fast', this.props.recordResult, this.props.stepTimeout, 0);
    steps.succeeded.next(next);
    steps.alreadyTaken.next(next);
    return steps;
  }

  /** Retention after a recorded snapshot: each deletion in turn, or nothing (most ticks of most guests). */
  private prune(): Choice {
    const deletions = new MapState(this, 'FastPruneSnapshots', {
      itemsPath: '$.prune.deletions',
      maxConcurrency: 1,
      itemSelector: { 'deletion.$': '$$.Map.Item.Value', polls: { n: 0 }, error: {}, status: { value: {} } },
      resultPath: JsonPath.DISCARD,
    });
    deletions.itemProcessor(this.deletion());
    deletions.addCatch(new Pass(this, 'FastPruneSkipped', { resultPath: JsonPath.DISCARD }), {
      errors: ['States.ALL'],
      resultPath: '$.pruneError',
    });
    return new Choice(this, 'FastAnythingToPrune?')
      .when(Condition.isPresent('$.prune.deletions[0]'), deletions)
      .otherwise(new Succeed(this, 'FastNothingToPrune'));
  }

  /** One deletion: `FastDeleteSnapshot`, a few looks, recorded as deleted, gone or failed. */
  private deletion(): IChainable {
    const recorded = (name: string, outcome: 'deleted' | 'gone' | 'failed') =>
      this.step(name, this.props.recordPrune, {
        payload: TaskInput.fromObject({
          'deletion.$': '$.deletion',
          outcome,
          ...(outcome === 'failed' ? { 'error.$': '$.error', 'taskStatus.$': '$.status.value' } : {}),
        }),
        resultPath: JsonPath.DISCARD,
      });
    const deleted = recorded('FastRecordPruned', 'deleted');
    const gone = recorded('FastRecordGone', 'gone');
    const failed = recorded('FastRecordPruneFailed', 'failed');
    const remove = this.connector('FastDeleteSnapshot', SNAPSHOT_COMMANDS.delete, '$.task', '$.deletion');
    remove.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const check = this.connector(
      'FastCheckDelete',
      { type: 'taskStatus', 'upid.$': '$.task.value.upid' },
      '$.status',
      '$.deletion',
    );
    retryRead(check);
    check.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });
    const looks = this.looks('FastDelete', FAST_LANE_LIMITS.deleteCheckSeconds, check, failed);
    check.next(
      new Choice(this, 'FastDeleteFinished?')
        .when(Condition.stringEquals('$.status.value.status', 'running'), looks)
        .when(taskSucceeded, deleted)
        .when(Condition.stringMatches('$.status.value.exitstatus', "snapshot '*' does not exist"), gone)
        .otherwise(failed),
    );
    const firstLook = new Wait(this, 'FastWaitForDeleteStart', {
      time: WaitTime.duration(Duration.seconds(FAST_LANE_LIMITS.firstDeleteCheckSeconds)),
    });
    remove.next(firstLook).next(check);
    return remove;
  }

  private step(name: string, fn: IFunction, props: Parameters<typeof serviceStep>[4]): LambdaInvoke {
    return serviceStep(this, name, fn, this.props.stepTimeout, props);
  }

  private connector(
    name: string,
    command: Record<string, unknown>,
    resultPath: string,
    on: ConnectorTarget = '$.item',
    extra: Record<string, unknown> = {},
  ): LambdaInvoke {
    return connectorCall(this, this.props.connector, this.props.connectorTimeout, {
      name,
      command,
      resultPath,
      on,
      extra,
    });
  }
}
