import { describe, expect, it } from 'vitest';
import { wallClock } from '../../console/src/ui/zone-time.ts';

describe('a wall-clock time as people read it', () => {
  it('keeps the clock the API gave, names the weekday and the offset', () => {
    expect(wallClock('2026-12-02T02:00:00+01:00')).toBe('Wed 2 Dec 2026, 02:00 (UTC+01:00)');
    expect(wallClock('2026-03-29T03:30:00-04:00')).toBe('Sun 29 Mar 2026, 03:30 (UTC-04:00)');
  });

  it('calls a zero offset and an instant in Z what they are: UTC', () => {
    expect(wallClock('2026-12-02T02:00:00+00:00')).toBe('Wed 2 Dec 2026, 02:00 (UTC)');
    expect(wallClock('2027-01-01T00:05:00.000Z')).toBe('Fri 1 Jan 2027, 00:05 (UTC)');
  });

  it('gives back what it cannot read', () => {
    expect(wallClock('tomorrow')).toBe('tomorrow');
  });
});
