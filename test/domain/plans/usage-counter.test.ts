import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesOf, type CountedArchive, usageDelta, usageOf } from '#shared/domain/plans/usage-counter.ts';

const archive = fc.record({
  storage: fc.constantFrom('local', 'backup-nfs', 'pbs'),
  status: fc.constantFrom('created', 'failed', 'missing', 'deleted'),
  origin: fc.constantFrom('policy', 'manual', 'external'),
  size: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
});

/** Each archive's life: states one after another, possibly gone (undefined) in between. */
const lives = fc.array(fc.array(fc.option(archive, { nil: undefined }), { minLength: 1, maxLength: 6 }), {
  maxLength: 8,
});

function apply(
  counter: Map<string, { bytes: number; archives: number }>,
  before?: CountedArchive,
  after?: CountedArchive,
) {
  for (const delta of usageDelta(before, after)) {
    const entry = counter.get(delta.storage) ?? { bytes: 0, archives: 0 };
    counter.set(delta.storage, {
      bytes: entry.bytes + delta.bytes,
      archives: entry.archives + delta.archives,
    });
  }
}

describe('the usage counter', () => {
  it('counts an archive only while it exists, was made by the service and has a size', () => {
    const made = { storage: 'local', status: 'created', origin: 'policy', size: 100 };
    expect(usageDelta(undefined, made)).toEqual([{ storage: 'local', bytes: 100, archives: 1 }]);
    expect(usageDelta(made, { ...made, status: 'deleted' })).toEqual([
      { storage: 'local', bytes: -100, archives: -1 },
    ]);
    expect(usageDelta(made, { ...made, notes: 'x' } as CountedArchive)).toEqual([]);
    expect(usageDelta(undefined, { ...made, origin: 'external' })).toEqual([]);
    expect(usageDelta(undefined, { ...made, status: 'failed' })).toEqual([]);
  });

  it('adds up, over any writes of any archives, to what the catalog says at the end (property)', () => {
    fc.assert(
      fc.property(lives, (histories) => {
        const counter = new Map<string, { bytes: number; archives: number }>();
        const finals: CountedArchive[] = [];
        for (const states of histories) {
          let before: CountedArchive | undefined;
          for (const state of states) {
            apply(counter, before, state);
            before = state;
          }
          if (before) finals.push(before);
        }
        const expected = new Map(usageOf(finals).map((entry) => [entry.storage, entry]));
        for (const [storage, entry] of counter) {
          const wanted = expected.get(storage);
          expect({ bytes: entry.bytes, archives: entry.archives }).toEqual({
            bytes: wanted?.bytes ?? 0,
            archives: wanted?.archives ?? 0,
          });
        }
        for (const storage of expected.keys()) expect(counter.has(storage)).toBe(true);
      }),
    );
  });

  it('reads totals and per-storage bytes, leaving out storages with none', () => {
    expect(
      bytesOf([
        { storage: 'a', bytes: 5, archives: 1 },
        { storage: 'b', bytes: 0, archives: 0 },
        { storage: 'c', bytes: 7, archives: 2 },
      ]),
    ).toEqual({
      total: 12,
      byStorage: new Map([
        ['a', 5],
        ['c', 7],
      ]),
    });
  });
});
