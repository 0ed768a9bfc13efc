import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ListedSnapshot } from '#shared/domain/guest-snapshots.ts';
import { buildSnapshotTree } from '#shared/domain/insight/snapshot-tree.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';

const listed = (name: string, snaptime: number, parent?: string): ListedSnapshot => ({
  name,
  snaptime,
  vmstate: false,
  description: '',
  parent,
  snapstate: undefined,
});
const record = (name: string, over: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
  tenantId: 't',
  guestId: 'cl.100',
  name,
  status: 'created',
  vmstate: false,
  createdAt: '2026-01-01T00:00:00Z',
  ...over,
});

describe('snapshot tree', () => {
  it('draws branches, marks origins, protection and where the guest stands', () => {
    // a <- b <- c, then a rollback to a and a new branch a <- d; the guest stands after d.
    const tree = buildSnapshotTree(
      [listed('c', 3, 'b'), listed('a', 1), listed('b', 2, 'a'), listed('d', 4, 'a')],
      [record('a', { policyId: 'p1', protected: true }), record('d', { manual: true })],
      'd',
    );
    expect(tree.roots).toEqual(['a']);
    expect(tree.current).toEqual({ parent: 'd' });
    expect(
      tree.snapshots.map((node) => [node.name, node.origin, node.children, node.descendants, node.current]),
    ).toEqual([
      ['a', 'policy', ['b', 'd'], 3, false],
      ['b', 'external', ['c'], 1, false],
      ['c', 'external', [], 0, false],
      ['d', 'manual', [], 0, true],
    ]);
    expect(tree.snapshots[0]).toMatchObject({ protected: true, policyId: 'p1' });
  });

  it('holds every snapshot once under exactly one root, whatever the links (property)', () => {
    const arb = fc
      .integer({ min: 0, max: 12 })
      .chain((count) =>
        fc.tuple(
          ...Array.from({ length: count }, (_, index) =>
            fc
              .option(fc.integer({ min: 0, max: 14 }), { nil: undefined })
              .map((parent) => listed(`s${index}`, index, parent === undefined ? undefined : `s${parent}`)),
          ),
        ),
      );
    fc.assert(
      fc.property(arb, (snapshots) => {
        const tree = buildSnapshotTree(snapshots, [], undefined);
        const byName = new Map(tree.snapshots.map((node) => [node.name, node]));
        const rootTotal = tree.roots.reduce((sum, root) => sum + 1 + (byName.get(root)?.descendants ?? 0), 0);
        // Links that point forward in time can form a cycle no root reaches; Proxmox never writes one.
        expect(rootTotal).toBeLessThanOrEqual(snapshots.length);
        for (const node of tree.snapshots) {
          if (node.parent !== undefined) expect(byName.get(node.parent)?.children).toContain(node.name);
        }
        const acyclic = snapshots.every(
          (entry) =>
            entry.parent === undefined || Number(entry.parent.slice(1)) < Number(entry.name.slice(1)),
        );
        if (acyclic) expect(rootTotal).toBe(snapshots.length);
      }),
    );
  });
});
