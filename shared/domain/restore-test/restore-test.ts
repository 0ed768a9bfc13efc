import { type FieldIssue, ValidationError } from '../errors.ts';
import type { GuestType } from '../guest.ts';
import { type Policy, timeZoneIssues } from '../policy.ts';
import { parseCron } from '../schedule/cron.ts';
import { cronToScheduler } from '../schedule/cron-to-scheduler.ts';

/** Which recovery point a restore test proves: the guest's newest good snapshot, or its newest backup archive. */
export const RESTORE_TEST_SOURCES = ['snapshot', 'backup'] as const;
type RestoreTestSource = (typeof RESTORE_TEST_SOURCES)[number];

/**
 * Guests tested in one run at most: each is restored, booted and destroyed one after another in
 * one execution, whose history (a look every few seconds while a guest boots) must stay far below
 * Step Functions' 25,000 events.
 */
export const MAX_GUESTS_PER_RUN = 10;

/** The part of a restore test a client writes. */
export interface RestoreTestSpec {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly schedule: { readonly cron: string; readonly timezone: string };
  readonly source: RestoreTestSource;
  /** The guests whose recovery points are tested (a policy's selector). */
  readonly selector: Policy['selector'];
  /** Test a random sample of this many of the selected guests per run; absent: all (at most {@link MAX_GUESTS_PER_RUN}). */
  readonly sample?: number;
  /** Where the test guest is made: a node (a clone's `target`, which needs shared storage) and a storage. */
  readonly target: { readonly node?: string; readonly storage?: string };
  /** How long a started guest has to show it is alive. */
  readonly bootTimeoutSeconds: number;
}

export interface RestoreTest extends RestoreTestSpec {
  readonly id: string;
  readonly tenantId: string;
  /** The schedule as EventBridge Scheduler's `cron(...)`. */
  readonly schedulerExpression: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** The rules beyond field shapes: the schedule parses and Scheduler can express it, the zone is IANA, the selector selects. */
export function checkRestoreTestSpec(spec: RestoreTestSpec): { schedulerExpression: string } {
  const issues: FieldIssue[] = [];
  let schedulerExpression = '';
  try {
    schedulerExpression = cronToScheduler(parseCron(spec.schedule.cron, 'schedule.cron'), 'schedule.cron');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
  }
  issues.push(...timeZoneIssues(spec.schedule.timezone, 'schedule.timezone'));
  const { selector } = spec;
  if (
    !selector.all &&
    selector.guests.length + selector.tags.length + selector.pools.length + selector.nodes.length === 0
  ) {
    issues.push({
      path: 'selector',
      rule: 'selector.empty',
      message: 'a selector must name guests, tags, pools or nodes, or set all: true',
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { schedulerExpression };
}

/** A recovery point chosen for a test. */
export type RecoveryPoint =
  | { readonly kind: 'snapshot'; readonly name: string; readonly createdAt: string }
  | {
      readonly kind: 'backup';
      readonly backupId: string;
      readonly volid: string;
      readonly storage: string;
      readonly createdAt: string;
    };

/**
 * Where one guest's test stands. `restoring` (clone or restore task) → `isolating` (links down,
 * tag) → `starting` (start task) → `checking` (proof of life until the deadline) → `stopping` →
 * `destroying` → `done`. Any failure goes on to `stopping`, so the test guest is always destroyed.
 */
export const RESTORE_TEST_PHASES = [
  'pending',
  'restoring',
  'isolating',
  'starting',
  'checking',
  'stopping',
  'destroying',
  'done',
] as const;
type RestoreTestPhase = (typeof RESTORE_TEST_PHASES)[number];

export interface RestoreTestItem {
  readonly guestId: string;
  readonly clusterId: string;
  readonly guestName: string;
  readonly guestType: GuestType;
  readonly node: string;
  readonly vmid: number;
  /** Absent when the guest has no recovery point of the source kind (the item fails at once). */
  readonly point?: RecoveryPoint;
  readonly phase: RestoreTestPhase;
  /** The test guest: its vmid (chosen and stored before it is created) and node. */
  readonly testVmid?: number;
  readonly testNode?: string;
  /** The task the current phase waits for. */
  readonly upid?: string;
  readonly startedAt?: string;
  readonly restoredAt?: string;
  readonly bootStartedAt?: string;
  /** Looks for a proof of life still to take (the boot timeout in looks 5 s apart). */
  readonly looksLeft?: number;
  readonly aliveAt?: string;
  readonly outcome?: 'succeeded' | 'failed';
  readonly reason?: string;
  /** What the proof of life answered (the agent's ping, the container's status). */
  readonly checkOutput?: string;
  /** The network devices as written by the isolation (each with `link_down=1`). */
  readonly isolation?: Record<string, string>;
  readonly restoreSeconds?: number;
  readonly bootSeconds?: number;
  readonly destroyed?: boolean;
  readonly destroyError?: string;
  readonly endedAt?: string;
}

export const RESTORE_TEST_RUN_STATUSES = [
  'running',
  'succeeded',
  'partially_failed',
  'failed',
  'skipped',
] as const;
export type RestoreTestRunStatus = (typeof RESTORE_TEST_RUN_STATUSES)[number];

export interface RestoreTestRun {
  readonly id: string;
  readonly tenantId: string;
  readonly testId: string;
  readonly testName: string;
  readonly trigger: 'schedule' | 'manual';
  readonly scheduledTime: string;
  readonly status: RestoreTestRunStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** Absent until the run picked its recovery points. */
  readonly items?: readonly RestoreTestItem[];
  /** Test guests of earlier runs the reconciliation at the start of this run removed. */
  readonly leftoversRemoved?: readonly number[];
  readonly reason?: string;
}

/** A run's status from its items' outcomes. */
export function runStatus(items: readonly RestoreTestItem[]): RestoreTestRunStatus {
  if (items.length === 0) return 'skipped';
  const failed = items.filter((item) => item.outcome !== 'succeeded').length;
  if (failed === 0) return 'succeeded';
  return failed === items.length ? 'failed' : 'partially_failed';
}

/** Picks `count` of `values` at random (all when fewer), each equally likely; `random` in [0, 1). */
export function sampleOf<T>(values: readonly T[], count: number, random: () => number): T[] {
  const pool = [...values];
  for (let index = pool.length - 1; index > 0; index--) {
    const swap = Math.floor(random() * (index + 1));
    [pool[index], pool[swap]] = [pool[swap] as T, pool[index] as T];
  }
  return pool.slice(0, Math.min(count, pool.length));
}

/** The item after a failure at any phase: the reason kept (the first one wins), then on to stopping and destroying. */
export function failed(item: RestoreTestItem, reason: string, now: string): RestoreTestItem {
  const { upid: _upid, ...rest } = item;
  return {
    ...rest,
    outcome: 'failed',
    reason: item.reason ?? reason,
    phase: item.testVmid === undefined ? 'done' : 'stopping',
    ...(item.testVmid === undefined ? { endedAt: now } : {}),
  };
}

const seconds = (fromIso: string | undefined, toIso: string) =>
  fromIso === undefined ? undefined : Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 100) / 10;

/** The item once its guest showed it is alive: the outcome and the times to restore and to boot. */
export function alive(item: RestoreTestItem, output: string, now: string): RestoreTestItem {
  const restoreSeconds = seconds(item.startedAt, item.restoredAt ?? now);
  const bootSeconds = seconds(item.bootStartedAt, now);
  const { upid: _upid, ...rest } = item;
  return {
    ...rest,
    outcome: 'succeeded',
    checkOutput: output,
    aliveAt: now,
    phase: 'stopping',
    ...(restoreSeconds !== undefined ? { restoreSeconds } : {}),
    ...(bootSeconds !== undefined ? { bootSeconds } : {}),
  };
}
