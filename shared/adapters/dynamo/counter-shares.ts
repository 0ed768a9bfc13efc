import type { Run } from '#shared/domain/run.ts';
import type { RunCounterShare } from './entities/run.ts';

/*
 * Counters that many transactions add to at once (a run's, written by every guest's result; a
 * tenant's usage of a storage, by every archive recorded) are spread over shares: DynamoDB cancels
 * a transaction that meets another on the same item, so one counter item caps how many writes
 * land together. Readers sum the shares.
 */

/**
 * How many shares a run's counters are spread over. Results in flight at once (up to a few hundred
 * in a large run) then meet on one share rarely, and reading a run stays one small Query (the run
 * and its shares are a few kilobytes at most).
 */
export const RUN_COUNTER_SHARES = 16;

/**
 * How many shares a tenant's usage counter of one storage is spread over: fewer than a run's (the
 * byte quota reads every storage's shares before each backup; archives land slower than snapshots).
 */
export const USAGE_COUNTER_SHARES = 8;

/**
 * The share a key's writes go to (a guest's counts, an audit event): always the same for a key,
 * so a retried write meets its first one. FNV-1a: cheap, and spreads keys that differ only in
 * their last characters.
 */
export function shareOf(key: string, shares: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193) >>> 0;
  }
  return hash % shares;
}

/** A share's place in its sort key (two digits, so shares sort in order). */
export const shareSuffix = (share: number): string => String(share).padStart(2, '0');

export type CountedFields = Pick<Run, 'succeeded' | 'failed' | 'skipped'>;

/**
 * A run's counts as read: an ended run's item holds its final counts (written when it ended);
 * a running run's are what its item holds (results counted there before shares existed) plus
 * every share.
 */
export function countsOf(run: Run, shares: readonly RunCounterShare[]): CountedFields {
  if (run.status !== 'running') return countedFields(run);
  const sum = (field: keyof CountedFields) =>
    shares.reduce((total, share) => total + (share[field] ?? 0), run[field] ?? 0);
  const skipped = sum('skipped');
  return { succeeded: sum('succeeded'), failed: sum('failed'), ...(skipped > 0 ? { skipped } : {}) };
}

/** The counts a run's item holds once it ends. */
export function countedFields(run: Run): CountedFields {
  return {
    succeeded: run.succeeded,
    failed: run.failed,
    ...(run.skipped !== undefined ? { skipped: run.skipped } : {}),
  };
}
