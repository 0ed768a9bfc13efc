import type { RetentionRule } from './policy.ts';
import { localTimeReader } from './time-zone.ts';

export const RETENTION_REASONS = [
  'keep-all',
  'keep-last',
  'keep-within',
  'keep-hourly',
  'keep-daily',
  'keep-weekly',
  'keep-monthly',
  'keep-yearly',
  'protected',
  'manual',
  'external',
  'last-good',
  'max-age',
  'pruned',
] as const;
type RetentionReason = (typeof RETENTION_REASONS)[number];

export interface RetentionCandidate {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly protected?: boolean;
  readonly manual?: boolean;
}

export interface RetentionDecision {
  readonly id: string;
  readonly time: number;
  readonly keep: boolean;
  readonly reason: RetentionReason;
}

/** ISO 8601 week-year and week of a civil date (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7; // Monday 1 .. Sunday 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of the same week
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return { year: weekYear, week };
}

type PeriodPass = 'keep-hourly' | 'keep-daily' | 'keep-weekly' | 'keep-monthly' | 'keep-yearly';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The period of a local time (wall clock as epoch ms, as PBS uses local time) for a pass, as a
 * number: hours and days since the epoch, Monday-based weeks (the epoch's day 0 was a Thursday,
 * so `(day + 3) / 7` numbers ISO weeks: same number, same ISO week and week-year), months and
 * years. Numbers instead of `yyyy/mm/dd` strings keep 100,000 snapshots cheap.
 */
function periodOf(pass: PeriodPass, local: number): number {
  const day = Math.floor(local / DAY_MS);
  switch (pass) {
    case 'keep-hourly':
      return Math.floor(local / HOUR_MS);
    case 'keep-daily':
      return day;
    case 'keep-weekly':
      return Math.floor((day + 3) / 7);
    case 'keep-monthly': {
      const date = new Date(day * DAY_MS);
      return date.getUTCFullYear() * 12 + date.getUTCMonth();
    }
    case 'keep-yearly':
      return new Date(day * DAY_MS).getUTCFullYear();
  }
}

const PASSES: ReadonlyArray<[PeriodPass, keyof RetentionRule]> = [
  ['keep-hourly', 'keepHourly'],
  ['keep-daily', 'keepDaily'],
  ['keep-weekly', 'keepWeekly'],
  ['keep-monthly', 'keepMonthly'],
  ['keep-yearly', 'keepYearly'],
];

/**
 * Decides which snapshots a rule keeps, with the Proxmox Backup Server algorithm: newest first,
 * passes keep-last, then keep-hourly, -daily, -weekly (ISO weeks), -monthly, -yearly, each keeping
 * the newest snapshot of each period whose period no earlier pass already covers, until its count
 * is reached; periods on the policy's wall clock. A pass marks the older snapshots of the periods
 * it kept, up to where it stops, as pruned, and no later pass keeps a snapshot an earlier one
 * marked. `keepWithinDays` keeps everything younger (with keep-last: whichever keeps more). With
 * no keep option above 0 everything is kept, as in Proxmox VE. `maxAgeDays` prunes older
 * snapshots whatever kept them. Protected and manual snapshots and the last good one are never
 * pruned; pinned ones cover no period. Decisions come newest first, each with its reason.
 */
export function applyRetention(
  rule: RetentionRule,
  timeZone: string,
  candidates: readonly RetentionCandidate[],
  options: { now: number; lastGoodId?: string },
): RetentionDecision[] {
  const sorted = [...candidates].sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const localTime = localTimeReader(timeZone);
  // Each snapshot's mark by its place in `sorted` (PBS: keep, remove, protected); an array
  // rather than a map, because a long pass marks tens of thousands of snapshots `remove`.
  const reasons: Array<RetentionReason | undefined> = sorted.map((candidate) =>
    candidate.protected ? 'protected' : candidate.manual ? 'manual' : undefined,
  );
  const keepsNothing = !rule.keepLast && !rule.keepWithinDays && PASSES.every(([, option]) => !rule[option]);
  if (keepsNothing) {
    for (let i = 0; i < sorted.length; i++) reasons[i] ??= 'keep-all';
  } else {
    // Snapshots a pass kept so far: the periods they cover.
    const passKept: number[] = [];
    const keep = (index: number, reason: RetentionReason) => {
      reasons[index] = reason;
      passKept.push(index);
    };
    if (rule.keepLast) {
      let kept = 0;
      for (let i = 0; i < sorted.length && kept < rule.keepLast; i++) {
        if (reasons[i]) continue;
        keep(i, 'keep-last');
        kept++;
      }
    }
    if (rule.keepWithinDays) {
      for (let i = 0; i < sorted.length; i++) {
        if (options.now - (sorted[i] as RetentionCandidate).time >= rule.keepWithinDays * DAY_MS) break;
        if (!reasons[i]) keep(i, 'keep-within');
      }
    }
    const periodAt = (pass: PeriodPass, index: number) =>
      periodOf(pass, localTime((sorted[index] as RetentionCandidate).time));
    for (const [pass, option] of PASSES) {
      const count = rule[option] ?? 0;
      if (!count) continue;
      // Periods already covered by a snapshot an earlier pass kept do not count again (PBS
      // `already_included`). Pinned snapshots cover nothing: PBS marks protected ones apart from
      // kept ones, so a pinned snapshot never costs a period its newest scheduled snapshot.
      const covered = new Set(passKept.map((index) => periodAt(pass, index)));
      const added = new Set<number>();
      for (let i = 0; i < sorted.length; i++) {
        // Any mark is final, a remove mark too: PBS skips every marked snapshot in later passes.
        if (reasons[i]) continue;
        const period = periodAt(pass, i);
        if (covered.has(period)) continue;
        if (added.has(period)) {
          // An older snapshot of a period this pass kept: PBS marks it `remove`, so no later
          // (coarser) pass may keep it for its own period.
          reasons[i] = 'pruned';
          continue;
        }
        // The pass ends at the first new period beyond its count (PBS `break`), so the remove
        // marks reach exactly the rest of the periods it kept, up to there.
        if (added.size >= count) break;
        added.add(period);
        keep(i, pass);
      }
    }
  }
  return sorted.map((candidate, index) => {
    let reason: RetentionReason = reasons[index] ?? 'pruned';
    const pinned = reason === 'protected' || reason === 'manual';
    if (!pinned && rule.maxAgeDays && options.now - candidate.time > rule.maxAgeDays * DAY_MS)
      reason = 'max-age';
    // The last good copy never expires while newer runs fail: it overrides pruning and max-age.
    if ((reason === 'pruned' || reason === 'max-age') && candidate.id === options.lastGoodId)
      reason = 'last-good';
    return {
      id: candidate.id,
      time: candidate.time,
      keep: reason !== 'pruned' && reason !== 'max-age',
      reason,
    };
  });
}
