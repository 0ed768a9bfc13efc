import { parseUpid } from '../proxmox/upid.ts';
import { RUN_STATUSES, type RunStatus } from '../run.ts';
import { failureReasonOf } from './failure-reason.ts';

export const STAT_BUCKET_NAMES = ['hour', 'day'] as const;
export type StatBucket = (typeof STAT_BUCKET_NAMES)[number];
export const STAT_BUCKETS: Readonly<Record<StatBucket, number>> = { hour: 3_600_000, day: 86_400_000 };

/** The start of every bucket of the period [fromMs, toMs), aligned to UTC hours or days: fixed, so charts line up. */
export function bucketStarts(fromMs: number, toMs: number, bucket: StatBucket): number[] {
  const size = STAT_BUCKETS[bucket];
  const starts: number[] = [];
  for (let start = Math.floor(fromMs / size) * size; start < toMs; start += size) starts.push(start);
  return starts;
}

/** Nearest-rank percentile (q in 0..1) of the values; undefined for none. */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

export interface RunPoint {
  readonly scheduledTime: string;
  readonly status: RunStatus;
}

export type OutcomeCounts = Record<RunStatus, number>;

const zeroCounts = (): OutcomeCounts =>
  Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as OutcomeCounts;

/** Runs by status per bucket (by the tick they serve), every bucket present, absent counts 0. */
export function runsByOutcome(
  runs: readonly RunPoint[],
  starts: readonly number[],
  bucket: StatBucket,
): Array<{ start: string } & OutcomeCounts> {
  const size = STAT_BUCKETS[bucket];
  const counts = starts.map(() => zeroCounts());
  const first = starts[0];
  for (const run of runs) {
    if (first === undefined) break;
    const index = Math.floor((Date.parse(run.scheduledTime) - first) / size);
    const slot = counts[index];
    if (index >= 0 && slot) slot[run.status]++;
  }
  return starts.map((start, index) => ({
    start: new Date(start).toISOString(),
    ...(counts[index] as OutcomeCounts),
  }));
}

export interface ResultPoint {
  readonly node: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly upid?: string;
  readonly finishedAt: string;
  readonly error?: string;
  readonly errorType?: string;
}

/**
 * How long a guest's snapshot took: from the task's start (Proxmox writes it into the UPID) to
 * the recording of its end. Undefined without a task id (the call failed before a task began).
 */
export function taskSeconds(result: Pick<ResultPoint, 'upid' | 'finishedAt'>): number | undefined {
  const upid = result.upid ? parseUpid(result.upid) : undefined;
  if (!upid) return undefined;
  const seconds = Date.parse(result.finishedAt) / 1000 - upid.starttime;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

export interface NodeDurations {
  readonly node: string;
  readonly tasks: number;
  readonly p50Seconds: number;
  readonly p95Seconds: number;
}

/** p50 and p95 of the successful snapshot tasks per node, nodes by name. */
export function durationsByNode(results: readonly ResultPoint[]): NodeDurations[] {
  const byNode = new Map<string, number[]>();
  for (const result of results) {
    if (result.outcome !== 'succeeded') continue;
    const seconds = taskSeconds(result);
    if (seconds === undefined) continue;
    byNode.set(result.node, [...(byNode.get(result.node) ?? []), seconds]);
  }
  return [...byNode]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([node, seconds]) => ({
      node,
      tasks: seconds.length,
      p50Seconds: percentile(seconds, 0.5) as number,
      p95Seconds: percentile(seconds, 0.95) as number,
    }));
}

export interface FailureReason {
  readonly reason: string;
  readonly count: number;
  /** One of Proxmox's own texts of the group. */
  readonly example: string;
  readonly errorTypes: string[];
}

/** Failed results grouped by their normalized text, most frequent first (ties by text). */
export function rankFailures(results: readonly ResultPoint[]): FailureReason[] {
  const groups = new Map<string, { count: number; example: string; types: Set<string> }>();
  for (const result of results) {
    if (result.outcome !== 'failed') continue;
    const text = result.error ?? result.errorType ?? 'unknown';
    const reason = failureReasonOf(text);
    const group = groups.get(reason) ?? { count: 0, example: text, types: new Set<string>() };
    group.count++;
    if (result.errorType) group.types.add(result.errorType);
    groups.set(reason, group);
  }
  return [...groups]
    .map(([reason, group]) => ({
      reason,
      count: group.count,
      example: group.example,
      errorTypes: [...group.types].sort(),
    }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}

export interface StoredArchive {
  readonly createdAt: string;
  readonly size?: number;
  readonly status: string;
  readonly deletedAt?: string;
}

/**
 * Bytes the service's archives held at the end of each bucket: every archive written by then
 * and not yet deleted (a failed backup wrote none). `undefined` when no archive has a size.
 */
export function storageOverTime(
  archives: readonly StoredArchive[],
  starts: readonly number[],
  bucket: StatBucket,
): Array<{ start: string; bytes: number }> | undefined {
  const sized = archives.filter((archive) => archive.status !== 'failed' && archive.size !== undefined);
  if (sized.length === 0) return undefined;
  const size = STAT_BUCKETS[bucket];
  return starts.map((start) => {
    const end = start + size;
    let bytes = 0;
    for (const archive of sized) {
      const deleted = archive.deletedAt ? Date.parse(archive.deletedAt) : Number.POSITIVE_INFINITY;
      if (Date.parse(archive.createdAt) < end && deleted >= end) bytes += archive.size as number;
    }
    return { start: new Date(start).toISOString(), bytes };
  });
}
