import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planLanes } from '#shared/domain/lane.ts';

const target = fc.record({
  id: fc.uuid(),
  clusterId: fc.constantFrom('c1', 'c2'),
  node: fc.constantFrom('pve1', 'pve2', 'pve3'),
  type: fc.constantFrom('qemu' as const, 'lxc' as const),
  vmid: fc.integer({ min: 100, max: 999_999 }),
});

describe('planLanes (the run and its dry run)', () => {
  it('puts every target in exactly one chunk of its own node, chunks at most the lane size, nodes in order of appearance', () => {
    fc.assert(
      fc.property(
        fc.array(target, { maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        (targets, size, memory) => {
          const lanes = planLanes(targets, memory, size);
          const placed = lanes.flatMap((lane) => lane.chunks.flat().map((guest) => guest.guestId));
          expect(placed.sort()).toEqual(targets.map((t) => t.id).sort());
          expect(lanes.map((lane) => lane.lane)).toEqual([
            ...new Set(targets.map((t) => `${t.clusterId}/${t.node}`)),
          ]);
          for (const lane of lanes) {
            expect(lane.lane).toBe(`${lane.clusterId}/${lane.node}`);
            for (const chunk of lane.chunks) {
              expect(chunk.length).toBeGreaterThan(0);
              expect(chunk.length).toBeLessThanOrEqual(size);
              for (const guest of chunk) {
                expect(guest.node).toBe(lane.node);
                // RAM state only for a VM, and only when the policy asks.
                expect(guest.vmstate).toBe(memory && guest.guestType === 'qemu');
              }
            }
            // Only the last chunk of a node may be short.
            expect(lane.chunks.slice(0, -1).every((chunk) => chunk.length === size)).toBe(true);
          }
        },
      ),
    );
  });
});
