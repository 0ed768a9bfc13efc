import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { createUlidGenerator, ID_PATTERN } from '#shared/domain/ids.ts';

describe('ids', () => {
  it('sort in creation order when made in the same millisecond (frozen clock)', () => {
    const ids = createUlidGenerator(() => Date.UTC(2026, 0, 1));
    const made = Array.from({ length: 1000 }, () => ids.next('pol'));
    expect(new Set(made).size).toBe(1000);
    expect([...made].sort()).toEqual(made);
  });

  it('sort in creation order even when the clock steps back', () => {
    const times = [Date.UTC(2026, 0, 1, 0, 0, 1), Date.UTC(2026, 0, 1)];
    const ids = createUlidGenerator(() => times.shift() ?? Date.UTC(2026, 0, 1));
    const made = [ids.next('run'), ids.next('run'), ids.next('run')];
    expect([...made].sort()).toEqual(made);
  });

  it('carry their creation time and match the id pattern', () => {
    const at = Date.UTC(2026, 4, 17, 8, 30);
    const id = createUlidGenerator(() => at).next('ops');
    expect(id).toMatch(ID_PATTERN);
    expect(decodeTime(id.slice(4))).toBe(at);
  });
});
