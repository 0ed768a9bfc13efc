import { describe, expect, it } from 'vitest';
import { registerTenant } from '#shared/adapters/dynamo/tenant-registry.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import { runLocalSweep } from '#shared/local/local-sweep.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import { createTestTable } from '#test/support/dynamo.ts';

const guest = (tenantId: string, vmid: number, overrides: Partial<Guest> = {}): Guest => ({
  id: `cl_01JD0000000000000000000001.${vmid}`,
  tenantId,
  clusterId: 'cl_01JD0000000000000000000001',
  vmid,
  type: 'qemu',
  node: 'pve1',
  name: `vm${vmid}`,
  status: 'running',
  template: false,
  tags: [],
  gone: false,
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

describe('the reconciliation sweep', () => {
  it('reconciles every live guest of every tenant and reports stuck locks', async () => {
    const { store } = await createTestTable();
    const now = Date.parse('2026-06-01T12:00:00Z');
    await store.guests.putMany([
      guest('alpha', 100),
      guest('alpha', 101, { lock: 'backup', lockSince: '2026-06-01T06:00:00.000Z' }),
      guest('beta', 100),
      guest('beta', 102, { gone: true }),
    ]);
    for (const tenant of ['alpha', 'beta']) await registerTenant(store.table, tenant);
    await store.snapshots.put({
      tenantId: 'alpha',
      guestId: guest('alpha', 100).id,
      name: 'manual-20260101-000000',
      status: 'created',
      vmstate: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const listed: string[] = [];
    const published: DomainEvent[] = [];
    const deps: ServiceDeps = {
      store,
      secrets: { put: async () => '', get: async () => '', delete: async () => undefined },
      // A deliberate fake of Proxmox: beta's guest has an unrecorded manual snapshot.
      proxmox: {
        call: async (request) => {
          const { tenantId, command } = request as {
            tenantId: string;
            command: { type: string; vmid: number };
          };
          // The sweep also reads backup storages: none here.
          if (command.type !== 'listSnapshots') return [];
          listed.push(`${tenantId}/${command.vmid}`);
          return tenantId === 'beta'
            ? [{ name: 'manual-20260501-101010', snaptime: 1_777_000_000, vmstate: false }]
            : [];
        },
      },
      ids: createUlidGenerator(),
      now: () => now,
      // Records what the sweep publishes.
      events: { publish: async (events) => void published.push(...events) },
    };
    const summary = await runLocalSweep(deps, async () => undefined);
    expect(listed.sort()).toEqual(['alpha/100', 'alpha/101', 'beta/100']);
    expect(summary).toMatchObject({ tenants: 2, units: 4, failedUnits: 0 });
    expect(summary.reconciled).toMatchObject({
      guests: 3,
      adopted: 1,
      missing: 1,
      unreachable: 0,
      stuckLocks: 1,
    });
    expect((await store.snapshots.list('alpha', guest('alpha', 100).id))[0]?.status).toBe('missing');
    expect(published.map((event) => [event.type, event.tenantId, event.outcome])).toEqual(
      expect.arrayContaining([
        ['snapshot.missing', 'alpha', 'failure'],
        ['lock.stuck', 'alpha', 'failure'],
      ]),
    );
    expect(published).toHaveLength(2);
    // A second sweep reports the same stuck lock under the same event id (delivered once).
    const firstLock = published.find((event) => event.type === 'lock.stuck')?.id;
    published.length = 0;
    await runLocalSweep(deps, async () => undefined);
    expect(published.find((event) => event.type === 'lock.stuck')?.id).toBe(firstLock);
    expect((await store.snapshots.list('beta', guest('beta', 100).id))[0]).toMatchObject({
      adopted: true,
      manual: true,
    });
  });
});
