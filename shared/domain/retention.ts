import type { RetentionRule } from './policy.ts';
import { type WallClock, wallClockReader } from './time-zone.ts';

export type RetentionReason =
  | 'keep-all'
  | 'keep-last'
  | 'keep-within'
  | 'keep-hourly'
  | 'keep-daily'
  | 'keep-weekly'
  | 'keep-monthly'
  | 'keep-yearly'
  | 'protected'
  | 'manual'
  | 'last-good'
  | 'max-age'
  | 'pruned';

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

const pad = (n: number) => String(n).padStart(2, '0');

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

/** The period of an instant for a pass, on the policy's wall clock (as PBS uses local time). */
function periodKey(pass: PeriodPass, clock: (time: number) => WallClock, time: number): string {
  const c = clock(time);
  switch (pass) {
    case 'keep-hourly':
      return `${c.year}/${pad(c.month)}/${pad(c.day)}/${pad(c.hour)}`;
    case 'keep-daily':
      return `${c.year}/${pad(c.month)}/${pad(c.day)}`;
    case 'keep-weekly': {
      const w = isoWeek(c.year, c.month, c.day);
      return `${w.year}/${pad(w.week)}`;
    }
    case 'keep-monthly':
      return `${c.year}/${pad(c.month)}`;
    case 'keep-yearly':
      return `${c.year}`;
  }
}

const PASSES: ReadonlyArray<[PeriodPass, keyof RetentionRule]> = [
  ['keep-hourly', 'keepHourly'],
  ['keep-daily', 'keepDaily'],
  ['keep-weekly', 'keepWeekly'],
  ['keep-monthly', 'keepMonthly'],
  ['keep-yearly', 'keepYearly'],
];

const DAY_MS = 86_400_000;

/** Kept by a rule's pass, as opposed to pinned (protected, manual) or not kept yet. */
const isPassKept = (reason: RetentionReason | undefined) =>
  reason !== undefined && reason !== 'protected' && reason !== 'manual';

/**
 * Decides which snapshots a rule keeps, with the Proxmox Backup Server algorithm: newest first,
 * passes keep-last, then keep-hourly, -daily, -weekly (ISO weeks), -monthly, -yearly, each keeping
 * the newest snapshot of each period whose period no earlier pass already covers, until its count
 * is reached; periods on the policy's wall clock. `keepWithinDays` keeps everything younger (with
 * keep-last: whichever keeps more). With no keep option above 0 everything is kept, as in Proxmox
 * VE. `maxAgeDays` prunes older snapshots whatever kept them. Protected and manual snapshots and
 * the last good one are never pruned; pinned ones cover no period. Decisions come newest first,
 * each with its reason.
 */
export function applyRetention(
  rule: RetentionRule,
  timeZone: string,
  candidates: readonly RetentionCandidate[],
  options: { now: number; lastGoodId?: string },
): RetentionDecision[] {
  const sorted = [...candidates].sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const clock = wallClockReader(
    timeZone,
    sorted.map((candidate) => candidate.time),
  );
  const reasons = new Map<string, RetentionReason>();
  for (const candidate of sorted) {
    if (candidate.protected) reasons.set(candidate.id, 'protected');
    else if (candidate.manual) reasons.set(candidate.id, 'manual');
  }
  const keepsNothing = !rule.keepLast && !rule.keepWithinDays && PASSES.every(([, option]) => !rule[option]);
  if (keepsNothing) {
    for (const candidate of sorted) if (!reasons.has(candidate.id)) reasons.set(candidate.id, 'keep-all');
  } else {
    const open = () => sorted.filter((candidate) => !reasons.has(candidate.id));
    if (rule.keepLast)
      for (const candidate of open().slice(0, rule.keepLast)) reasons.set(candidate.id, 'keep-last');
    if (rule.keepWithinDays) {
      for (const candidate of open()) {
        if (options.now - candidate.time < (rule.keepWithinDays as number) * DAY_MS)
          reasons.set(candidate.id, 'keep-within');
      }
    }
    for (const [pass, option] of PASSES) {
      const count = rule[option] ?? 0;
      if (!count) continue;
      // Periods already covered by a snapshot an earlier pass kept do not count again (PBS
      // `already_included`). Pinned snapshots cover nothing: PBS marks protected ones apart from
      // kept ones, so a pinned snapshot never costs a period its newest scheduled snapshot.
      const covered = new Set(
        sorted.filter((c) => isPassKept(reasons.get(c.id))).map((c) => periodKey(pass, clock, c.time)),
      );
      const added = new Set<string>();
      for (const candidate of sorted) {
        if (reasons.has(candidate.id)) continue;
        const key = periodKey(pass, clock, candidate.time);
        if (covered.has(key) || added.has(key)) continue;
        if (added.size >= count) break;
        added.add(key);
        reasons.set(candidate.id, pass);
      }
    }
  }
  return sorted.map((candidate) => {
    let reason: RetentionReason = reasons.get(candidate.id) ?? 'pruned';
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
