import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RetentionRule } from '#shared/domain/policy.ts';
import { applyRetention, isoWeek, type RetentionCandidate } from '#shared/domain/retention.ts';
import { wallClockAt } from '#shared/domain/time-zone.ts';

const at = (iso: string) => Date.parse(iso);
const snap = (id: string, iso: string, extra: Partial<RetentionCandidate> = {}): RetentionCandidate => ({
  id,
  time: at(iso),
  ...extra,
});
const NOW = at('2027-01-01T00:00:00Z');
const decide = (rule: RetentionRule, candidates: RetentionCandidate[], tz = 'UTC', lastGoodId?: string) =>
  Object.fromEntries(
    applyRetention(rule, tz, candidates, { now: NOW, ...(lastGoodId ? { lastGoodId } : {}) }).map((d) => [
      d.id,
      d.reason,
    ]),
  );

describe('retention, hand-checked', () => {
  const days = [
    snap('d1a', '2026-06-01T10:00:00Z'),
    snap('d1b', '2026-06-01T14:00:00Z'),
    snap('d2', '2026-06-02T09:00:00Z'),
    snap('d3', '2026-06-03T09:00:00Z'),
  ];

  it('keep-last keeps the newest N', () => {
    expect(decide({ keepLast: 3 }, days)).toEqual({
      d3: 'keep-last',
      d2: 'keep-last',
      d1b: 'keep-last',
      d1a: 'pruned',
    });
  });

  it('keep-daily keeps the newest of each day, newest days first', () => {
    expect(decide({ keepDaily: 2 }, days)).toEqual({
      d3: 'keep-daily',
      d2: 'keep-daily',
      d1b: 'pruned',
      d1a: 'pruned',
    });
  });

  it('a later pass skips periods an earlier pass covered (PBS already_included)', () => {
    expect(decide({ keepLast: 1, keepDaily: 2 }, days)).toEqual({
      d3: 'keep-last',
      d2: 'keep-daily',
      d1b: 'keep-daily',
      d1a: 'pruned',
    });
  });

  it('counts ISO weeks across the year boundary (2020-12-31 and 2021-01-03 share week 2020-53)', () => {
    expect(isoWeek(2020, 12, 31)).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(2021, 1, 3)).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(2021, 1, 4)).toEqual({ year: 2021, week: 1 });
    const weeks = [
      snap('thu', '2020-12-31T12:00:00Z'),
      snap('sun', '2021-01-03T12:00:00Z'),
      snap('mon', '2021-01-04T12:00:00Z'),
    ];
    expect(decide({ keepWeekly: 2 }, weeks)).toEqual({
      mon: 'keep-weekly',
      sun: 'keep-weekly',
      thu: 'pruned',
    });
  });

  it('never lets a later pass keep a snapshot an earlier pass marked pruned (PBS, worked example)', () => {
    // One snapshot a day at 12:00 UTC, 2024-01-01 .. 2024-03-03 (a Sunday, ISO week 2024-W09).
    const daily = Array.from({ length: 63 }, (_, i) => {
      const iso = new Date(Date.UTC(2024, 0, 1 + i, 12)).toISOString();
      return snap(iso.slice(0, 10), iso);
    });
    const decided = decide({ keepWeekly: 1, keepMonthly: 2 }, daily);
    // Weekly keeps 03-03 and marks the rest of its week (03-02 back to 02-26) pruned before it
    // meets week 08 and stops; monthly skips March (covered) and the marked days, so February's
    // newest open snapshot is 02-25, not 02-29.
    expect(Object.entries(decided).filter(([, reason]) => reason !== 'pruned')).toEqual([
      ['2024-03-03', 'keep-weekly'],
      ['2024-02-25', 'keep-monthly'],
      ['2024-01-31', 'keep-monthly'],
    ]);
    expect(decided['2024-02-29']).toBe('pruned');
  });

  it('can prune a snapshot a lower count kept, as PBS does, when a later pass loses it', () => {
    // Week 2024-W09 runs from Monday 02-26 to Sunday 03-03, across the month's end.
    const spread = [
      snap('apr', '2024-04-02T12:00:00Z'),
      snap('mar', '2024-03-01T12:00:00Z'),
      snap('feb', '2024-02-29T12:00:00Z'),
    ];
    expect(decide({ keepWeekly: 1, keepMonthly: 10 }, spread)).toEqual({
      apr: 'keep-weekly',
      mar: 'keep-monthly',
      feb: 'keep-monthly',
    });
    // A second weekly keep takes 03-01 for W09 and marks 02-29 (same week) pruned, so the
    // monthly pass may not keep it for February.
    expect(decide({ keepWeekly: 2, keepMonthly: 10 }, spread)).toEqual({
      apr: 'keep-weekly',
      mar: 'keep-weekly',
      feb: 'pruned',
    });
  });

  it('computes periods on the policy\u2019s wall clock, through a daylight-saving change', () => {
    // Europe/Berlin falls back on 2026-10-25: 02:30 happens twice, and it is all one day there.
    const fallBack = [
      snap('early', '2026-10-24T23:30:00Z'),
      snap('first-0230', '2026-10-25T00:30:00Z'),
      snap('second-0230', '2026-10-25T01:30:00Z'),
    ];
    expect(decide({ keepHourly: 2 }, fallBack, 'Europe/Berlin')).toEqual({
      'second-0230': 'keep-hourly',
      'first-0230': 'pruned',
      early: 'keep-hourly',
    });
    expect(decide({ keepDaily: 1 }, fallBack, 'Europe/Berlin')).toEqual({
      'second-0230': 'keep-daily',
      'first-0230': 'pruned',
      early: 'pruned',
    });
    // In UTC the first one belongs to the day before.
    expect(decide({ keepDaily: 2 }, fallBack, 'UTC')).toEqual({
      'second-0230': 'keep-daily',
      'first-0230': 'pruned',
      early: 'keep-daily',
    });
  });

  it('keeps everything when no keep option is above zero, as Proxmox VE does', () => {
    expect(Object.values(decide({ keepLast: 0 }, days))).toEqual([
      'keep-all',
      'keep-all',
      'keep-all',
      'keep-all',
    ]);
  });

  it('never prunes protected or manual snapshots', () => {
    const pinned = [
      ...days,
      snap('pin', '2026-05-01T00:00:00Z', { protected: true }),
      snap('hand', '2026-05-02T00:00:00Z', { manual: true }),
    ];
    expect(decide({ keepLast: 1 }, pinned)).toMatchObject({
      pin: 'protected',
      hand: 'manual',
      d3: 'keep-last',
      d1a: 'pruned',
    });
  });

  it('lets no pinned snapshot cover a period: the period still keeps its newest scheduled one', () => {
    // Found by the newest-is-kept property: a protected snapshot used to count as the year's keep.
    const year = [
      snap('pin', '2026-06-01T00:09:00Z', { protected: true }),
      snap('hand', '2026-06-01T00:11:00Z', { manual: true }),
      snap('sched', '2026-06-01T00:10:00Z'),
      snap('older', '2026-05-01T00:00:00Z'),
    ];
    expect(decide({ keepYearly: 1 }, year)).toEqual({
      hand: 'manual',
      sched: 'keep-yearly',
      pin: 'protected',
      older: 'pruned',
    });
  });

  it('prunes by max age whatever kept it, except the last good copy', () => {
    expect(decide({ keepLast: 4, maxAgeDays: 213 }, days)).toEqual({
      d3: 'keep-last',
      d2: 'keep-last',
      d1b: 'max-age',
      d1a: 'max-age',
    });
    expect(decide({ keepLast: 1, maxAgeDays: 1 }, days, 'UTC', 'd3')).toMatchObject({
      d3: 'last-good',
      d2: 'max-age',
    });
  });

  it('keeps N or D days, whichever keeps more', () => {
    const recent = Array.from({ length: 10 }, (_, i) =>
      snap(`s${i}`, new Date(NOW - (i + 0.5) * 86_400_000).toISOString()),
    );
    const kept = (rule: RetentionRule) =>
      applyRetention(rule, 'UTC', recent, { now: NOW }).filter((d) => d.keep).length;
    expect(kept({ keepLast: 3, keepWithinDays: 5 })).toBe(5);
    expect(kept({ keepLast: 7, keepWithinDays: 5 })).toBe(7);
  });
});

const candidates = fc
  .uniqueArray(
    fc.integer({ min: at('2024-01-01T00:00:00Z') / 60_000, max: at('2026-12-31T00:00:00Z') / 60_000 }),
    { maxLength: 60 },
  )
  .chain((minutes) =>
    fc.tuple(
      ...minutes.map((m, i) =>
        fc.record({
          id: fc.constant(`c${i}`),
          time: fc.constant(m * 60_000),
          protected: fc.boolean().map((b) => b && i % 7 === 0),
        }),
      ),
    ),
  );
const count = fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined });
const rules = fc.record({
  keepLast: count,
  keepHourly: count,
  keepDaily: count,
  keepWeekly: count,
  keepMonthly: count,
  keepYearly: count,
});
const zones = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe');
const clean = (rule: Record<string, number | undefined>): RetentionRule =>
  Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as RetentionRule;
/** A rule with no keep count above 0 keeps everything, as Proxmox VE does (hand-checked above). */
const setsAKeepCount = (r: RetentionRule) =>
  [r.keepLast, r.keepHourly, r.keepDaily, r.keepWeekly, r.keepMonthly, r.keepYearly].some(
    (v) => (v ?? 0) > 0,
  );

describe('retention properties', () => {
  it('decides every snapshot once, and pinned ones are never pruned', () => {
    fc.assert(
      fc.property(rules, zones, candidates, (rule, tz, input) => {
        const decisions = applyRetention(clean(rule), tz, input, { now: NOW });
        expect(decisions.map((d) => d.id).sort()).toEqual(input.map((c) => c.id).sort());
        for (const c of input) if (c.protected) expect(decisions.find((d) => d.id === c.id)?.keep).toBe(true);
      }),
    );
  });

  it('prunes nothing more when applied to what it kept (idempotent)', () => {
    fc.assert(
      fc.property(rules, zones, candidates, (rule, tz, input) => {
        const kept = new Set(
          applyRetention(clean(rule), tz, input, { now: NOW })
            .filter((d) => d.keep)
            .map((d) => d.id),
        );
        const again = applyRetention(
          clean(rule),
          tz,
          input.filter((c) => kept.has(c.id)),
          { now: NOW },
        );
        expect(again.every((d) => d.keep)).toBe(true);
      }),
    );
  });

  it('never prunes more when the count of its last pass is raised (from a rule that sets one)', () => {
    // Raising an earlier pass can cost a later one a snapshot (hand-checked above, as in PBS);
    // raising the last pass only carries it further past where it stopped.
    const options = [
      'keepLast',
      'keepHourly',
      'keepDaily',
      'keepWeekly',
      'keepMonthly',
      'keepYearly',
    ] as const;
    fc.assert(
      fc.property(rules, zones, candidates, fc.constantFrom(...options), (rule, tz, input, option) => {
        const later = options.slice(options.indexOf(option) + 1);
        const base = clean({ ...rule, ...Object.fromEntries(later.map((o) => [o, undefined])) });
        // From keep-all, the first count is the step from keeping everything to pruning.
        fc.pre(setsAKeepCount(base));
        const kept = (r: RetentionRule) =>
          new Set(
            applyRetention(r, tz, input, { now: NOW })
              .filter((d) => d.keep)
              .map((d) => d.id),
          );
        const before = kept(base);
        const after = kept({ ...base, [option]: (base[option] ?? 0) + 1 });
        for (const id of before) expect(after.has(id)).toBe(true);
      }),
    );
  });

  it('always keeps the newest snapshot when any keep option is above zero, whatever the input order', () => {
    fc.assert(
      fc.property(
        rules,
        zones,
        candidates.filter((c) => c.length > 0),
        fc.integer(),
        (rule, tz, input, seed) => {
          const r = clean(rule);
          fc.pre(setsAKeepCount(r));
          const decisions = applyRetention(r, tz, input, { now: NOW });
          expect(decisions[0]?.keep).toBe(true);
          const shuffled = [...input].sort(
            (a, b) => ((a.time * 31 + seed) % 97) - ((b.time * 31 + seed) % 97),
          );
          expect(applyRetention(r, tz, shuffled, { now: NOW })).toEqual(decisions);
        },
      ),
    );
  });
});

/**
 * PBS's `compute_prune_info` and `mark_selections` (pbs-datastore/src/prune.rs) written out as
 * an oracle: a mark per snapshot (keep, remove, protected), each pass scanning the list newest
 * first, wall clocks from Intl for every snapshot and periods as strftime-like strings. Ours on
 * top: keep-within after keep-last, and no keep count above 0 keeps everything (Proxmox VE).
 */
function referenceRetention(rule: RetentionRule, tz: string, input: RetentionCandidate[], now: number) {
  const list = [...input].sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1));
  if (!setsAKeepCount(rule) && !rule.keepWithinDays)
    return list.map((c) => (c.protected ? 'protected' : 'keep-all'));
  const mark = new Map<string, 'keep' | 'remove' | 'protected'>();
  const keptBy = new Map<string, string>();
  const markSelections = (keep: number, reason: string, selectId: (c: RetentionCandidate) => string) => {
    const includeHash = new Set<string>();
    const alreadyIncluded = new Set<string>();
    for (const info of list) if (mark.get(info.id) === 'keep') alreadyIncluded.add(selectId(info));
    for (const info of list) {
      if (mark.has(info.id)) continue;
      if (info.protected) {
        mark.set(info.id, 'protected');
        continue;
      }
      const selId = selectId(info);
      if (alreadyIncluded.has(selId)) continue;
      if (!includeHash.has(selId)) {
        if (includeHash.size >= keep) break;
        includeHash.add(selId);
        mark.set(info.id, 'keep');
        keptBy.set(info.id, reason);
      } else {
        mark.set(info.id, 'remove');
      }
    }
  };
  const wall = (c: RetentionCandidate) => wallClockAt(tz, c.time);
  // PBS selects keep-last by the backup time (unique in a group; the generated times are too).
  if (rule.keepLast !== undefined) markSelections(rule.keepLast, 'keep-last', (c) => String(c.time));
  if (rule.keepWithinDays)
    for (const info of list) {
      if (mark.has(info.id) || now - info.time >= rule.keepWithinDays * 86_400_000) continue;
      mark.set(info.id, info.protected ? 'protected' : 'keep');
      keptBy.set(info.id, 'keep-within');
    }
  const passes: Array<[string, number | undefined, (c: RetentionCandidate) => string]> = [
    [
      'keep-hourly',
      rule.keepHourly,
      (c) => `${wall(c).year}/${wall(c).month}/${wall(c).day}/${wall(c).hour}`,
    ],
    ['keep-daily', rule.keepDaily, (c) => `${wall(c).year}/${wall(c).month}/${wall(c).day}`],
    [
      'keep-weekly',
      rule.keepWeekly,
      (c) => JSON.stringify(isoWeek(wall(c).year, wall(c).month, wall(c).day)),
    ],
    ['keep-monthly', rule.keepMonthly, (c) => `${wall(c).year}/${wall(c).month}`],
    ['keep-yearly', rule.keepYearly, (c) => `${wall(c).year}`],
  ];
  for (const [reason, keep, selectId] of passes)
    if (keep !== undefined) markSelections(keep, reason, selectId);
  return list.map((c) => {
    if (c.protected) return 'protected';
    return mark.get(c.id) === 'keep' ? (keptBy.get(c.id) as string) : 'pruned';
  });
}

describe('retention against a plain reference implementation', () => {
  // Snapshots packed around daylight-saving changes and ISO week-year ends, where periods are hardest.
  const edges = [
    '2025-03-30T01:00:00Z',
    '2025-10-26T01:00:00Z',
    '2025-11-02T06:00:00Z',
    '2020-12-31T12:00:00Z',
  ];
  const nearEdges = fc
    .uniqueArray(
      fc
        .tuple(fc.constantFrom(...edges), fc.integer({ min: -4 * 24 * 60, max: 4 * 24 * 60 }))
        .map(([edge, minutes]) => at(edge) + minutes * 60_000),
      { maxLength: 60 },
    )
    .map((times) =>
      times.map((time, i) => ({ id: `e${i}`, time, ...(i % 11 === 5 ? { protected: true } : {}) })),
    );
  const within = fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined });

  it('decides exactly as the plain algorithm, across DST changes, week-year ends and zones', () => {
    fc.assert(
      fc.property(
        rules,
        within,
        fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'),
        fc.oneof(candidates, nearEdges),
        (rule, keepWithinDays, tz, input) => {
          const r = clean({ ...rule, keepWithinDays });
          const now = input.length > 0 ? Math.max(...input.map((c) => c.time)) + 3_600_000 : NOW;
          const decided = applyRetention(r, tz, input, { now }).map((d) => d.reason);
          expect(decided).toEqual(referenceRetention(r, tz, input, now));
        },
      ),
      { numRuns: 500 },
    );
  });
});
