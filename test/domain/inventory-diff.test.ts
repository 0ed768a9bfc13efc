import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffInventory, type Guest, type ObservedGuest } from '#shared/domain/guest.ts';

const observedGuest = (vmid: number, overrides: Partial<ObservedGuest> = {}): ObservedGuest => ({
  vmid,
  type: 'qemu',
  node: 'pve1',
  name: `vm-${vmid}`,
  status: 'running',
  template: false,
  tags: [],
  pool: undefined,
  lock: undefined,
  ...overrides,
});

const arbitraryObserved = fc
  .uniqueArray(fc.integer({ min: 100, max: 130 }), { maxLength: 15 })
  .chain((vmids) =>
    fc.tuple(
      ...vmids.map((vmid) =>
        fc.record({
          vmid: fc.constant(vmid),
          type: fc.constantFrom('qemu' as const, 'lxc' as const),
          node: fc.constantFrom('pve1', 'pve2'),
          name: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
          status: fc.constantFrom('running', 'stopped', 'unknown'),
          template: fc.boolean(),
          tags: fc.uniqueArray(fc.constantFrom('prod', 'db', 'web'), { maxLength: 3 }),
          pool: fc.option(fc.constantFrom('p1', 'p2'), { nil: undefined }),
          lock: fc.option(fc.constantFrom('backup', 'snapshot'), { nil: undefined }),
        }),
      ),
    ),
  );

/** Applies a diff's writes to the stored records, as the store does. */
function apply(stored: readonly Guest[], writes: readonly Guest[]): Guest[] {
  const byVmid = new Map(stored.map((guest) => [guest.vmid, guest]));
  for (const write of writes) byVmid.set(write.vmid, write);
  return [...byVmid.values()];
}

describe('inventory diff', () => {
  it('adds new guests, marks vanished ones gone, and keeps the first-seen time', () => {
    const first = diffInventory(
      't',
      'cl',
      [],
      [observedGuest(100), observedGuest(101)],
      '2026-01-01T00:00:00Z',
    );
    expect([first.added, first.updated, first.gone]).toEqual([2, 0, 0]);
    const second = diffInventory(
      't',
      'cl',
      first.writes,
      [observedGuest(101, { status: 'stopped' })],
      '2026-01-02T00:00:00Z',
    );
    expect([second.added, second.updated, second.gone, second.unchanged]).toEqual([0, 1, 1, 0]);
    const gone = second.writes.find((guest) => guest.vmid === 100);
    expect(gone).toMatchObject({
      gone: true,
      goneAt: '2026-01-02T00:00:00Z',
      firstSeenAt: '2026-01-01T00:00:00Z',
    });
  });

  it('keeps the last known name while a node is offline and Proxmox sends none', () => {
    const first = diffInventory('t', 'cl', [], [observedGuest(100, { name: 'web' })], 'a');
    const offline = diffInventory(
      't',
      'cl',
      first.writes,
      [observedGuest(100, { name: undefined, status: 'unknown' })],
      'b',
    );
    expect(offline.writes[0]).toMatchObject({ name: 'web', status: 'unknown' });
  });

  it('converges: syncing the same observation again changes nothing', () => {
    fc.assert(
      fc.property(arbitraryObserved, arbitraryObserved, (before, after) => {
        const stored = apply([], diffInventory('t', 'cl', [], before, 'x').writes);
        const once = apply(stored, diffInventory('t', 'cl', stored, after, 'y').writes);
        const again = diffInventory('t', 'cl', once, after, 'z');
        expect(again.writes).toEqual([]);
        expect(again.unchanged).toBe(after.length);
      }),
    );
  });

  it('leaves exactly the observed guests live and every other stored guest gone, never deleted', () => {
    fc.assert(
      fc.property(arbitraryObserved, arbitraryObserved, (before, after) => {
        const stored = apply([], diffInventory('t', 'cl', [], before, 'x').writes);
        const diff = diffInventory('t', 'cl', stored, after, 'y');
        const result = apply(stored, diff.writes);
        const live = result
          .filter((guest) => !guest.gone)
          .map((guest) => guest.vmid)
          .sort();
        expect(live).toEqual(after.map((guest) => guest.vmid).sort());
        expect(result.length).toBe(new Set([...before, ...after].map((guest) => guest.vmid)).size);
        expect(diff.added + diff.updated + diff.unchanged).toBe(after.length);
        for (const guest of result) expect(guest.id).toBe(`cl.${guest.vmid}`);
      }),
    );
  });
});
