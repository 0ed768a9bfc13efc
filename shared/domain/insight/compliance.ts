import type { BackupRecord } from '../backup/backup-record.ts';
import type { Guest } from '../guest.ts';
import type { Operation, OperationKind, OperationStatus } from '../operation.ts';
import type { Policy, RetentionRule } from '../policy.ts';
import type { RestoreTestRun } from '../restore-test/restore-test.ts';
import { applyRetention } from '../retention.ts';
import type { Run } from '../run.ts';
import type { SnapshotRecord } from '../snapshot-record.ts';
import { type ProvenPoints, provenPoints } from './proven-points.ts';
import { graceMs, policyIntervalMs } from './rpo.ts';
import { rpoShare } from './rpo-share.ts';
import { ticksInPeriod } from './schedule-ticks.ts';

export const MAX_REPORT_DAYS = 400;
const DAY_MS = 86_400_000;
/** Ticks the retention promise is worked out from (a minute-level schedule keeps the newest). */
const PROMISE_TICKS = 5_000;

export interface PointSummary {
  /** Recovery points that exist now. */
  readonly count: number;
  readonly oldest?: string;
  readonly newest?: string;
}

interface GuestCompliance {
  readonly guestId: string;
  readonly vmid?: number;
  readonly name?: string;
  /** Share (0..1) of the period with a recovery point of this policy within the objective. */
  readonly rpoShare: number;
  readonly snapshots: PointSummary;
  readonly backups: PointSummary;
  /** Recovery points of this policy the retention rule promises now vs those that exist. */
  readonly retention: { readonly promised: number; readonly observed: number };
}

interface PolicyCompliance {
  readonly policyId: string;
  readonly policyName: string;
  readonly enabled: boolean;
  readonly cron: string;
  readonly timezone: string;
  /** The objective: the longest gap between two ticks; absent for a schedule that fires once. */
  readonly rpoMinutes?: number;
  readonly runs: {
    /** Ticks in the period (after the policy's creation and until now; none while disabled). */
    readonly expected: number;
    /** Ticks served by a scheduled run. */
    readonly run: number;
    readonly manual: number;
    readonly succeeded: number;
    readonly partiallyFailed: number;
    readonly failed: number;
    readonly cancelled: number;
    readonly skipped: number;
    readonly running: number;
    /** Succeeded runs of the ended ones (skipped runs had nothing to do); absent with none. */
    readonly successRate?: number;
  };
  readonly retention: RetentionRule;
  readonly guests: GuestCompliance[];
}

interface RestoreEntry {
  readonly operationId: string;
  readonly guestId: string;
  readonly kind: OperationKind;
  readonly snapshotName: string;
  readonly status: OperationStatus;
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly error?: string;
}

export interface ComplianceReport {
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly tenant: {
    readonly policies: number;
    readonly runsExpected: number;
    readonly runsRun: number;
    readonly successRate?: number;
    readonly guests: number;
    /** Guests that met every covering policy's objective for the whole period. */
    readonly guestsMeetingRpo: number;
    /** Mean share over every policy and guest pair. */
    readonly averageRpoShare?: number;
    readonly restores: { readonly total: number; readonly succeeded: number; readonly failed: number };
    /** Recovery points restore tests tried in the period, and how many they proved. */
    readonly restoreTests: ProvenPoints;
  };
  readonly policies: PolicyCompliance[];
  readonly restores: RestoreEntry[];
}

export interface ComplianceInput {
  readonly fromMs: number;
  readonly toMs: number;
  readonly nowMs: number;
  readonly policies: readonly Policy[];
  /** Runs whose tick lies in the period. */
  readonly runs: readonly Run[];
  readonly guests: ReadonlyMap<string, Guest>;
  /** Per policy: the guests it covers now and those holding its recovery points. */
  readonly policyGuests: ReadonlyMap<string, readonly string[]>;
  readonly snapshots: ReadonlyMap<string, readonly SnapshotRecord[]>;
  readonly backups: ReadonlyMap<string, readonly BackupRecord[]>;
  readonly operations: readonly Operation[];
  /** Restore-test runs (any time; those started in the period count). */
  readonly restoreTestRuns?: readonly RestoreTestRun[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const RESTORE_KINDS = new Set(['restore-in-place', 'restore-new-guest']);

function summarize(times: number[]): PointSummary {
  if (times.length === 0) return { count: 0 };
  return { count: times.length, oldest: iso(Math.min(...times)), newest: iso(Math.max(...times)) };
}

/**
 * How many recovery points the rule keeps at `atMs` of an ideal history: a point at every tick
 * since the guest was first served (`sinceMs`), plus the points runs now made (each at its tick,
 * or when it was made). What the rule promises, decided by the engine that prunes.
 */
function promisedPoints(
  policy: Pick<Policy, 'schedule' | 'retention'>,
  ticks: readonly number[],
  points: readonly number[],
  sinceMs: number,
  atMs: number,
): number {
  const times = new Set([
    ...ticks.filter((tick) => tick >= sinceMs && tick <= atMs).slice(-PROMISE_TICKS),
    ...points.filter((point) => point <= atMs),
  ]);
  const decisions = applyRetention(
    policy.retention,
    policy.schedule.timezone,
    [...times].map((time) => ({ id: String(time), time })),
    { now: atMs },
  );
  return decisions.filter((decision) => decision.keep).length;
}

/**
 * The ticks a retention promise is worked out from: those of the longest report period before
 * `atMs`, and no further back than the last {@link PROMISE_TICKS} ticks can reach (a minute-level
 * schedule would otherwise list every minute of 400 days).
 */
function promiseTicks(policy: Pick<Policy, 'schedule'>, atMs: number, intervalMs: number | undefined) {
  const reach = intervalMs === undefined ? Number.POSITIVE_INFINITY : PROMISE_TICKS * intervalMs;
  return ticksInPeriod(policy.schedule, atMs - Math.min(MAX_REPORT_DAYS * DAY_MS, reach), atMs + 1);
}

function guestCompliance(
  input: ComplianceInput,
  policy: Policy,
  guestId: string,
  schedule: { intervalMs?: number; ticks: readonly number[] },
): GuestCompliance {
  const { intervalMs } = schedule;
  const own = (input.snapshots.get(guestId) ?? []).filter((record) => record.policyId === policy.id);
  const ownBackups = (input.backups.get(guestId) ?? []).filter((record) => record.policyId === policy.id);
  const good = [
    ...own.filter((record) => record.status !== 'failed').map((record) => Date.parse(record.createdAt)),
    ...ownBackups
      .filter((record) => record.status !== 'failed')
      .map((record) => Date.parse(record.createdAt)),
  ];
  const existing = (records: ReadonlyArray<{ status: string; createdAt: string }>) =>
    records.filter((record) => record.status === 'created').map((record) => Date.parse(record.createdAt));
  const snapshots = existing(own);
  const backups = existing(ownBackups);
  // A point's time for retention: the tick it belongs to, or when it was made.
  const ticked = [...own, ...ownBackups]
    .filter((record) => record.status !== 'failed')
    .map((record) => Date.parse(record.scheduledTime ?? record.createdAt));
  // Served since its first tick (a failed attempt counts: the policy was serving it).
  const first = Math.min(
    ...[...own, ...ownBackups].map((record) => Date.parse(record.scheduledTime ?? record.createdAt)),
  );
  const since = Number.isFinite(first) ? Math.min(first, input.nowMs) : Date.parse(policy.createdAt);
  const guest = input.guests.get(guestId);
  return {
    guestId,
    ...(guest ? { vmid: guest.vmid, name: guest.name } : {}),
    rpoShare:
      intervalMs === undefined
        ? good.length > 0
          ? 1
          : 0
        : rpoShare(
            good,
            // No objective before the policy existed.
            Math.max(input.fromMs, Date.parse(policy.createdAt)),
            Math.min(input.toMs, input.nowMs),
            intervalMs + graceMs(intervalMs),
          ),
    snapshots: summarize(snapshots),
    backups: summarize(backups),
    retention: {
      promised: promisedPoints(policy, schedule.ticks, ticked, since, Math.min(input.toMs, input.nowMs)),
      observed: snapshots.length + backups.length,
    },
  };
}

function policyCompliance(input: ComplianceInput, policy: Policy): PolicyCompliance {
  const end = Math.min(input.toMs, input.nowMs);
  const start = Math.max(input.fromMs, Date.parse(policy.createdAt));
  const ticks = policy.enabled ? ticksInPeriod(policy.schedule, start, end) : [];
  const tickSet = new Set(ticks);
  const runs = input.runs.filter((run) => run.policyId === policy.id);
  const served = new Set(
    runs
      .filter((run) => run.trigger === 'schedule' && tickSet.has(Date.parse(run.scheduledTime)))
      .map((run) => Date.parse(run.scheduledTime)),
  );
  const count = (status: Run['status']) => runs.filter((run) => run.status === status).length;
  const succeeded = count('succeeded');
  const ended = succeeded + count('partially_failed') + count('failed') + count('cancelled');
  // The objective the RPO monitor checks (the policy's `rpo`, or its cron's largest gap).
  const intervalMs = policyIntervalMs(policy, input.fromMs);
  const promised = promiseTicks(policy, end, intervalMs);
  return {
    policyId: policy.id,
    policyName: policy.name,
    enabled: policy.enabled,
    cron: policy.schedule.cron,
    timezone: policy.schedule.timezone,
    ...(intervalMs !== undefined ? { rpoMinutes: intervalMs / 60_000 } : {}),
    runs: {
      expected: ticks.length,
      run: served.size,
      manual: runs.filter((run) => run.trigger === 'manual').length,
      succeeded,
      partiallyFailed: count('partially_failed'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      skipped: count('skipped'),
      running: count('running'),
      ...(ended > 0 ? { successRate: succeeded / ended } : {}),
    },
    retention: policy.retention,
    guests: (input.policyGuests.get(policy.id) ?? []).map((guestId) =>
      guestCompliance(input, policy, guestId, {
        ...(intervalMs !== undefined ? { intervalMs } : {}),
        ticks: promised,
      }),
    ),
  };
}

/** The compliance report of a period: pure, from the records the service keeps. */
export function complianceReport(input: ComplianceInput): ComplianceReport {
  const policies = input.policies.map((policy) => policyCompliance(input, policy));
  const restores: RestoreEntry[] = input.operations
    .filter((operation) => RESTORE_KINDS.has(operation.kind))
    .filter((operation) => {
      const at = Date.parse(operation.createdAt);
      return at >= input.fromMs && at < input.toMs;
    })
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
    .map((operation) => ({
      operationId: operation.id,
      guestId: operation.guestId,
      kind: operation.kind,
      snapshotName: operation.snapshotName,
      status: operation.status,
      requestedBy: operation.requestedBy,
      createdAt: operation.createdAt,
      ...(operation.finishedAt ? { finishedAt: operation.finishedAt } : {}),
      ...(operation.error ? { error: operation.error } : {}),
    }));
  const pairs = policies.flatMap((policy) => policy.guests);
  const guestIds = new Set(pairs.map((pair) => pair.guestId));
  const missing = new Set(pairs.filter((pair) => pair.rpoShare < 1).map((pair) => pair.guestId));
  const sum = (pick: (policy: PolicyCompliance) => number) =>
    policies.reduce((total, policy) => total + pick(policy), 0);
  const succeeded = sum((policy) => policy.runs.succeeded);
  const ended = succeeded + sum((p) => p.runs.partiallyFailed + p.runs.failed + p.runs.cancelled);
  return {
    from: iso(input.fromMs),
    to: iso(input.toMs),
    generatedAt: iso(input.nowMs),
    tenant: {
      policies: policies.length,
      runsExpected: sum((policy) => policy.runs.expected),
      runsRun: sum((policy) => policy.runs.run),
      ...(ended > 0 ? { successRate: succeeded / ended } : {}),
      guests: guestIds.size,
      guestsMeetingRpo: guestIds.size - missing.size,
      ...(pairs.length > 0
        ? { averageRpoShare: pairs.reduce((total, pair) => total + pair.rpoShare, 0) / pairs.length }
        : {}),
      restores: {
        total: restores.length,
        succeeded: restores.filter((restore) => restore.status === 'succeeded').length,
        failed: restores.filter((restore) => restore.status === 'failed').length,
      },
      restoreTests: provenPoints(input.restoreTestRuns ?? [], input.fromMs, input.toMs),
    },
    policies,
    restores,
  };
}
