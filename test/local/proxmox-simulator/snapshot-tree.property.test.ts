import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxmoxClient } from '#shared/adapters/proxmox/client.ts';
import { ProxmoxError } from '#shared/domain/proxmox-errors.ts';
import { startTestSimulator, type TestSimulator } from '#test/support/simulator.ts';

let simulator: TestSimulator;
let client: ProxmoxClient;
beforeAll(async () => {
  simulator = await startTestSimulator({ simulator: { timeFactor: 0.002 } });
  client = simulator.client();
});
afterAll(() => simulator.close());

type Op =
  | { kind: 'create'; name: string }
  | { kind: 'delete'; name: string }
  | { kind: 'rollback'; name: string }
  | { kind: 'clone'; name: string };

const NAMES = ['a1', 'b2', 'c3', 'd4'];
const op = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('delete' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('rollback' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('clone' as const), name: fc.constantFrom(...NAMES) }),
);

/** What Proxmox's rules say the snapshot tree is: name -> parent, and the current parent. */
interface Model {
  parents: Map<string, string | undefined>;
  current: string | undefined;
}

function applyToModel(model: Model, step: Op): 'ok' | 'fails' {
  const exists = model.parents.has(step.name);
  switch (step.kind) {
    case 'create':
      if (exists) return 'fails';
      model.parents.set(step.name, model.current);
      model.current = step.name;
      return 'ok';
    case 'delete': {
      if (!exists) return 'fails';
      const parent = model.parents.get(step.name);
      model.parents.delete(step.name);
      for (const [name, p] of model.parents) if (p === step.name) model.parents.set(name, parent);
      if (model.current === step.name) model.current = parent;
      return 'ok';
    }
    case 'rollback':
      if (!exists) return 'fails';
      model.current = step.name;
      return 'ok';
    case 'clone':
      return exists ? 'ok' : 'fails';
  }
}

let nextVmid = 5000;

async function applyToSimulator(vmid: number, step: Op): Promise<'ok' | 'fails'> {
  const wait = (upid: string) => client.waitForTask(upid, { initialIntervalMs: 2 });
  try {
    if (step.kind === 'create')
      await wait(await client.createSnapshot('pve2', 'qemu', vmid, { name: step.name }));
    if (step.kind === 'delete') await wait(await client.deleteSnapshot('pve2', 'qemu', vmid, step.name));
    if (step.kind === 'rollback') await wait(await client.rollbackSnapshot('pve2', 'qemu', vmid, step.name));
    if (step.kind === 'clone') {
      await wait(
        await client.clone('pve2', 'qemu', vmid, { newid: nextVmid++, snapname: step.name, full: true }),
      );
    }
    return 'ok';
  } catch (error) {
    if (error instanceof ProxmoxError) return 'fails';
    throw error;
  }
}

describe('the simulated snapshot tree', () => {
  it('matches Proxmox\u2019s rules after any sequence of create, delete, rollback and clone', async () => {
    let vmid = 3000;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (steps) => {
        vmid++;
        simulator.sim.state.guests.push({
          ...structuredClone(
            simulator.sim.state.guests.find((g) => g.vmid === 103) ?? simulator.sim.state.guests[0],
          ),
          vmid,
          node: 'pve2',
          type: 'qemu',
          snapshots: [],
          lock: undefined,
          parent: undefined,
        } as never);
        const model: Model = { parents: new Map(), current: undefined };
        for (const step of steps) {
          const expected = applyToModel(model, step);
          expect(await applyToSimulator(vmid, step), `${step.kind} ${step.name}`).toBe(expected);

          const listed = await client.snapshots('pve2', 'qemu', vmid);
          // Invariants: unique names, parents exist, nothing left half-done, the tree is as modelled.
          expect(new Set(listed.map((s) => s.name)).size).toBe(listed.length);
          for (const snapshot of listed) {
            if (snapshot.parent !== undefined) expect(listed.map((s) => s.name)).toContain(snapshot.parent);
            expect(snapshot.snapstate).toBeUndefined();
          }
          expect(Object.fromEntries(listed.map((s) => [s.name, s.parent]))).toEqual(
            Object.fromEntries(model.parents),
          );
          const config = await client.guestConfig('pve2', 'qemu', vmid);
          expect(config.parent).toBe(model.current);
          expect(config.lock).toBeUndefined();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
