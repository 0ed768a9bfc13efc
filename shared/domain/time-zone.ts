/**
 * Wall-clock arithmetic in IANA time zones, built on Intl only (no I/O, no global state
 * besides a bounded formatter cache). Used by schedules and retention.
 */

import { BoundedCache } from './bounded-cache.ts';
import { IANA_TIME_ZONE_NAMES } from './time-zone-names.ts';

export interface WallClock {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
  readonly hour: number; // 0-23
  readonly minute: number;
  readonly second: number;
}

/**
 * Formatters by canonical zone name only (see {@link canonicalTimeZone}): zone names match
 * without regard to case, so keying by the caller's spelling would let one zone fill memory
 * (a name of n letters has 2^n spellings). Bounded as well, as every cache keyed by input.
 */
const formatters = new BoundedCache<string, Intl.DateTimeFormat>(128);

function createFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  const canonical = canonicalTimeZone(timeZone);
  const formatter = canonical === undefined ? undefined : formatters.get(canonical);
  if (!formatter) throw new RangeError(`'${timeZone}' is not an IANA time zone name`);
  return formatter;
}

/** How many zone formatters are cached (at most one per canonical zone name, and a bounded number). */
export function cachedTimeZoneCount(): number {
  return formatters.size;
}

// IANA names are letters, digits and a few separators; this also keeps out the UTC-offset
// strings ("+02:00") that recent Intl versions accept but EventBridge Scheduler does not.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
const MAX_NAME_LENGTH = 64;

let spellings: Map<string, string> | undefined;

/**
 * The IANA database's spelling of a name given in any case; the runtime's own zones fill in
 * names newer than the list. Intl alone would also take Java's three-letter ids (`IST`, `BST`
 * for Asia/Dhaka), which are no IANA names and which EventBridge Scheduler does not know.
 */
function spellingOf(name: string): string | undefined {
  if (!spellings) {
    spellings = new Map(Intl.supportedValuesOf('timeZone').map((zone) => [zone.toLowerCase(), zone]));
    for (const zone of IANA_TIME_ZONE_NAMES) spellings.set(zone.toLowerCase(), zone);
  }
  return spellings.get(name.toLowerCase());
}

/**
 * The canonical spelling of an IANA time zone name given in any case (`europe/berlin` ->
 * `Europe/Berlin`; a link stays the link it names: `Asia/Calcutta` is not made `Asia/Kolkata`),
 * or undefined when it is no IANA name this runtime knows. Zones are stored and cached only in
 * this spelling, which is also the one EventBridge Scheduler expects.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH || !IANA_NAME.test(name)) return undefined;
  const canonical = spellingOf(name);
  if (canonical === undefined) return undefined;
  if (!formatters.has(canonical)) {
    try {
      formatters.set(canonical, createFormatter(canonical));
    } catch {
      return undefined; // listed, but unknown to this runtime's time zone data
    }
  }
  return canonical;
}

/** The canonical spelling of a zone name, or the name unchanged when it is none (for the check after). */
export function spellTimeZone(name: string): string {
  return canonicalTimeZone(name) ?? name;
}

/** True when `name` is an IANA time zone this runtime knows, in any case (e.g. `Europe/Berlin`, `utc`). */
export function isIanaTimeZone(name: string): boolean {
  return canonicalTimeZone(name) !== undefined;
}

/** The wall clock shown in `timeZone` at the instant `epochMs`. */
export function wallClockAt(timeZone: string, epochMs: number): WallClock {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs));
  const field = (type: Intl.DateTimeFormatPartTypes): number => {
    const part = parts.find((p) => p.type === type);
    return part ? Number(part.value) : 0;
  };
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
  };
}

function wallClockAsUtcMs(clock: WallClock): number {
  return Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
}

/** Offset of `timeZone` from UTC at `epochMs`, in milliseconds (east positive). */
function offsetMsAt(timeZone: string, epochMs: number): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  return wallClockAsUtcMs(wallClockAt(timeZone, whole)) - whole;
}

const DAY_MS = 86_400_000;

/**
 * Every instant at which `timeZone` shows the given wall clock, earliest first: none inside
 * a spring-forward gap, two inside a fall-back overlap, otherwise one.
 */
export function instantsOfWallClock(timeZone: string, clock: WallClock): number[] {
  const naive = wallClockAsUtcMs(clock);
  const offsets = new Set([
    offsetMsAt(timeZone, naive - DAY_MS),
    offsetMsAt(timeZone, naive),
    offsetMsAt(timeZone, naive + DAY_MS),
  ]);
  const instants = new Set<number>();
  for (const offset of offsets) {
    const candidate = naive - offset;
    if (wallClockAsUtcMs(wallClockAt(timeZone, candidate)) === naive) instants.add(candidate);
  }
  return [...instants].sort((a, b) => a - b);
}

/** Formats an instant as ISO 8601 with the zone's offset, e.g. `2026-03-29T03:00:00+02:00`. */
export function formatInZone(timeZone: string, epochMs: number): string {
  const clock = wallClockAt(timeZone, epochMs);
  const offsetMinutes = Math.round(offsetMsAt(timeZone, epochMs) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${pad(clock.year, 4)}-${pad(clock.month)}-${pad(clock.day)}T${pad(clock.hour)}:${pad(clock.minute)}:` +
    `${pad(clock.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/**
 * A fast reader of an instant's local time in one zone, as the epoch milliseconds of its wall
 * clock read as UTC (whole seconds). The zone's offset is read once per UTC day, when first
 * needed, and instants on a day whose offset does not change by the next day are computed
 * arithmetically (zones change offset at most once a day). Other instants ask Intl.
 */
export function localTimeReader(timeZone: string): (time: number) => number {
  const offsets = new Map<number, number>();
  const offsetOfDay = (day: number) => {
    let offset = offsets.get(day);
    if (offset === undefined) {
      offset = offsetMsAt(timeZone, day * DAY_MS);
      offsets.set(day, offset);
    }
    return offset;
  };
  return (time) => {
    const day = Math.floor(time / DAY_MS);
    const offset = offsetOfDay(day);
    const whole = Math.floor(time / 1000) * 1000;
    return whole + (offset === offsetOfDay(day + 1) ? offset : offsetMsAt(timeZone, time));
  };
}

/** A fast wall-clock function for many instants in one zone (see {@link localTimeReader}). */
export function wallClockReader(timeZone: string): (time: number) => WallClock {
  const local = localTimeReader(timeZone);
  return (time) => fromLocal(local(time));
}

function fromLocal(localMs: number): WallClock {
  const local = new Date(localMs);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}
