import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cachedTimeZoneCount,
  canonicalTimeZone,
  formatInZone,
  isIanaTimeZone,
  wallClockAt,
  wallClockReader,
} from '#shared/domain/time-zone.ts';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Sao_Paulo',
  'Pacific/Chatham',
];

describe('the fast wall-clock reader', () => {
  it('agrees with Intl for every instant, across daylight-saving changes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(
          fc.integer({ min: Date.parse('2019-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
          { minLength: 1, maxLength: 200 },
        ),
        (zone, times) => {
          const read = wallClockReader(zone);
          for (const time of times) expect(read(time)).toEqual(wallClockAt(zone, time));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('agrees minute by minute around a transition', () => {
    const from = Date.parse('2026-10-25T00:00:00Z');
    const times = Array.from({ length: 240 }, (_, i) => from + i * 60_000);
    const read = wallClockReader('Europe/Berlin');
    for (const time of times) expect(read(time)).toEqual(wallClockAt('Europe/Berlin', time));
  });
});

describe('canonical zone names', () => {
  it.each([
    ['europe/berlin', 'Europe/Berlin'],
    ['EUROPE/BERLIN', 'Europe/Berlin'],
    ['utc', 'UTC'],
    ['asia/kolkata', 'Asia/Kolkata'],
    ['asia/calcutta', 'Asia/Calcutta'],
    ['america/port-au-prince', 'America/Port-au-Prince'],
    ['america/argentina/comodrivadavia', 'America/Argentina/ComodRivadavia'],
    ['etc/gmt+5', 'Etc/GMT+5'],
    ['us/eastern', 'US/Eastern'],
  ])('spells %s as the IANA database does: %s', (given, canonical) => {
    expect(canonicalTimeZone(given)).toBe(canonical);
    expect(isIanaTimeZone(given)).toBe(true);
  });

  it.each([
    ['Moon/Base'],
    ['+02:00'],
    ['IST'],
    ['BST'],
    ['Europe/Berlin '],
    ['Europe//Berlin'],
    [''],
    ['Factory'],
    [`Europe/${'x'.repeat(80)}`],
  ])('refuses %j, which is no IANA zone name', (given) => {
    expect(canonicalTimeZone(given)).toBeUndefined();
    expect(isIanaTimeZone(given)).toBe(false);
  });

  it('keeps every zone name of the runtime and of the IANA list as it is spelled', () => {
    for (const zone of [...Intl.supportedValuesOf('timeZone'), 'Asia/Kolkata', 'Europe/Kyiv', 'US/Eastern'])
      expect(canonicalTimeZone(zone)).toBe(zone);
  });

  it('gives every spelling of a zone the one canonical name', () => {
    const zones = ['Europe/Berlin', 'America/Argentina/ComodRivadavia', 'Pacific/Port_Moresby', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        (zone, upper) => {
          const spelled = [...zone].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join('');
          expect(canonicalTimeZone(spelled)).toBe(zone);
        },
      ),
    );
  });

  it('caches one formatter per zone, however many spellings ask for it', () => {
    const zone = 'America/Argentina/ComodRivadavia';
    canonicalTimeZone(zone);
    const before = cachedTimeZoneCount();
    for (let n = 0; n < 2000; n++) {
      // 2,000 distinct spellings, each used as callers use zones.
      const spelled = [...zone]
        .map((ch, i) => ((n >> (i % 11)) & 1 ? ch.toUpperCase() : ch.toLowerCase()))
        .join('');
      wallClockAt(spelled, Date.UTC(2026, 0, 1) + n * 60_000);
      formatInZone(spelled, Date.UTC(2026, 0, 1));
      canonicalTimeZone(spelled);
    }
    expect(cachedTimeZoneCount()).toBe(before);
  });

  it('keeps the formatter cache bounded whatever zones are asked for', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) wallClockAt(zone, 0);
    expect(Intl.supportedValuesOf('timeZone').length).toBeGreaterThan(128);
    expect(cachedTimeZoneCount()).toBeLessThanOrEqual(128);
  });

  it('reads the wall clock of a zone given in any case', () => {
    expect(wallClockAt('europe/berlin', Date.UTC(2026, 6, 1, 12))).toEqual(
      wallClockAt('Europe/Berlin', Date.UTC(2026, 6, 1, 12)),
    );
    expect(() => wallClockAt('Moon/Base', 0)).toThrow(RangeError);
  });
});
