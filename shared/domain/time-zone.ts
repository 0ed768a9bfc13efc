/**
 * Wall-clock arithmetic in IANA time zones, built on Intl only (no I/O, no global state
 * besides a formatter cache). Used by schedules and retention.
 */

export interface WallClock {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
  readonly hour: number; // 0-23
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

// IANA names are letters, digits and a few separators; this also keeps out the UTC-offset
// strings ("+02:00") that recent Intl versions accept but EventBridge Scheduler does not.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** True when `name` is an IANA time zone this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isIanaTimeZone(name: string): boolean {
  if (!IANA_NAME.test(name)) return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
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
export function offsetMsAt(timeZone: string, epochMs: number): number {
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
