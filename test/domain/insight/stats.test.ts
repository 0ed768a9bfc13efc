import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failureReasonOf } from '#shared/domain/insight/failure-reason.ts';
import {
  bucketStarts,
  durationsByNode,
  percentile,
  rankFailures,
  runsByOutcome,
  STAT_BUCKETS,
  storageOverTime,
} from '#shared/domain/insight/stats.ts';
import { formatUpid } from '#shared/domain/proxmox/upid.ts';
import { RUN_STATUSES } from '#shared/domain/run.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00Z');
const upidAt = (node: string, seconds: number) =>
  formatUpid({
    node,
    pid: 1,
    pstart: 1,
    starttime: seconds,
    type: 'qmsnapshot',
    id: '101',
    user: 'root@pam',
  });

describe('buckets', () => {
  it('are fixed, contiguous, aligned and cover the period exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('hour' as const, 'day' as const),
        fc.integer({ min: 0, max: 30 * DAY }),
        fc.integer({ min: 1, max: 20 * DAY }),
        (bucket, offset, length) => {
          const size = STAT_BUCKETS[bucket];
          const starts = bucketStarts(START + offset, START + offset + length, bucket);
          expect(starts[0]).toBeLessThanOrEqual(START + offset);
          expect((starts.at(-1) as number) + size).toBeGreaterThanOrEqual(START + offset + length);
          for (const [index, start] of starts.entries()) {
            expect(start % size).toBe(0);
            if (index > 0) expect(start - (starts[index - 1] as number)).toBe(size);
          }
        },
      ),
    );
  });

  it('count every run of the period once, in the bucket of its tick, zero elsewhere', () => {
    const run = fc.record({
      scheduledTime: fc
        .integer({ min: 0, max: 10 * DAY - 1 })
        .map((ms) => new Date(START + ms).toISOString()),
      status: fc.constantFrom(...RUN_STATUSES),
    });
    fc.assert(
      fc.property(fc.array(run, { maxLength: 50 }), (runs) => {
        const series = runsByOutcome(runs, bucketStarts(START, START + 10 * DAY, 'day'), 'day');
        expect(series).toHaveLength(10);
        for (const status of RUN_STATUSES) {
          expect(series.reduce((total, bucket) => total + bucket[status], 0)).toBe(
            runs.filter((r) => r.status === status).length,
          );
        }
        for (const bucket of series) {
          const day = bucket.start.slice(0, 10);
          expect(RUN_STATUSES.reduce((total, status) => total + bucket[status], 0)).toBe(
            runs.filter((r) => r.scheduledTime.startsWith(day)).length,
          );
        }
      }),
    );
  });
});

describe('percentiles and durations', () => {
  it('percentile is a value of the set, p50 at most p95', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1 }), (values) => {
        const p50 = percentile(values, 0.5) as number;
        const p95 = percentile(values, 0.95) as number;
        expect(values).toContain(p50);
        expect(p50).toBeLessThanOrEqual(p95);
        expect(p95).toBeLessThanOrEqual(Math.max(...values));
      }),
    );
    expect(percentile([], 0.5)).toBeUndefined();
  });

  it('times tasks from the UPID\u2019s start to the recorded end, per node, successes only', () => {
    const t0 = START / 1000;
    const result = (node: string, seconds: number, outcome: 'succeeded' | 'failed' = 'succeeded') => ({
      node,
      outcome,
      upid: upidAt(node, t0),
      finishedAt: new Date(START + seconds * 1000).toISOString(),
    });
    expect(
      durationsByNode([
        result('pve2', 4),
        ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => result('pve1', s)),
        result('pve1', 99, 'failed'),
        { node: 'pve1', outcome: 'succeeded' as const, finishedAt: new Date(START).toISOString() },
      ]),
    ).toEqual([
      { node: 'pve1', tasks: 10, p50Seconds: 5, p95Seconds: 10 },
      { node: 'pve2', tasks: 1, p50Seconds: 4, p95Seconds: 4 },
    ]);
  });
});

describe('failure reasons', () => {
  it('groups Proxmox\u2019s texts that differ only in vmids, names, task ids and numbers', () => {
    expect(failureReasonOf('VM 101 is locked (backup)')).toBe(failureReasonOf('VM 2044 is locked (backup)'));
    expect(failureReasonOf("snapshot name 'auto-20260101-0200' already used")).toBe(
      "snapshot name '<name>' already used",
    );
    expect(failureReasonOf(`task ${upidAt('pve1', 5)} failed: got timeout after 30 s`)).toBe(
      'task <upid> failed: got timeout after <n> s',
    );
    expect(failureReasonOf('VM 101 is locked (backup)')).not.toBe(
      failureReasonOf('VM 101 is locked (snapshot)'),
    );
  });

  it('ranks groups by count; the counts add up to the failures', () => {
    const texts = [
      'VM 1 is locked (backup)',
      'storage full',
      'VM 22 is locked (backup)',
      "no such snapshot 'x'",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...texts), { maxLength: 40 }), (errors) => {
        const ranked = rankFailures(
          errors.map((error) => ({
            node: 'n',
            outcome: 'failed' as const,
            error,
            finishedAt: '',
            errorType: 'E',
          })),
        );
        expect(ranked.reduce((total, group) => total + group.count, 0)).toBe(errors.length);
        for (let i = 1; i < ranked.length; i++)
          expect((ranked[i] as { count: number }).count).toBeLessThanOrEqual(
            (ranked[i - 1] as { count: number }).count,
          );
      }),
    );
  });
});

describe('storage over time', () => {
  it('sums the archives that exist at each bucket\u2019s end; none with a size: absent', () => {
    const day = (n: number) => new Date(START + n * DAY).toISOString();
    const starts = bucketStarts(START, START + 4 * DAY, 'day');
    expect(
      storageOverTime(
        [
          { createdAt: day(0.5), size: 100, status: 'created' },
          { createdAt: day(1.5), size: 50, status: 'deleted', deletedAt: day(2.5) },
          { createdAt: day(1.2), size: 999, status: 'failed' },
        ],
        starts,
        'day',
      )?.map((bucket) => bucket.bytes),
    ).toEqual([100, 150, 100, 100]);
    expect(storageOverTime([{ createdAt: day(0), status: 'created' }], starts, 'day')).toBeUndefined();
  });
});
