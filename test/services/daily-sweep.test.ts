import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTenant } from '#shared/adapters/dynamo/tenant-registry.ts';
import { CachedProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { LocalSecretStore } from '#shared/adapters/secrets/local-secret-store.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import type { ConnectorRequest } from '#shared/domain/proxmox/commands.ts';
import { InProcessProxmoxGateway } from '#shared/local/in-process-gateway.ts';
import { runLocalSweep } from '#shared/local/local-sweep.ts';
import type { SweepUnit } from '#shared/ports/sweep-queue.ts';
import { registerCluster } from '#shared/services/clusters.ts';
import { planDailySweep, SWEEP_CHUNK_GUESTS, sweepUnit } from '#shared/services/daily-sweep.ts';
import { syncClusterInventory } from '#shared/services/inventory.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import { createTestTable, type TestTable } from '#test/support/dynamo.ts';
import { quietServiceDeps } from '#test/support/service-deps.ts';
import { startTestSimulator, type TestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';

/** Records the name of every DynamoDB command the store sends (a Scan would show up here). */
function recordCommands(table: TestTable): string[] {
  const commands: string[] = [];
  table.store.table.doc.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
  return commands;
}

const noEvents = { publish: async () => undefined };

describe('the daily sweep, fanned out per tenant', () => {
  let simulator: TestSimulator;
  let secretsDir: string;

  beforeAll(async () => {
    simulator = await startTestSimulator();
    secretsDir = await mkdtemp(join(tmpdir(), 'sweep-secrets-'));
  });
  afterAll(async () => {
    await simulator.close();
    await rm(secretsDir, { recursive: true, force: true });
  });

  it('reconciles every guest of 30 tenants against the simulator, one unit per tenant and chunk, without a Scan', async () => {
    const table = await createTestTable();
    const secrets = new LocalSecretStore(secretsDir, randomBytes(32));
    const connector = new CachedProxmoxConnector(secrets);
    const inProcess = new InProcessProxmoxGateway({ store: table.store, proxmox: connector });
    const listedByTenant = new Map<string, number>();
    const deps: ServiceDeps = {
      store: table.store,
      secrets,
      // The real connector code against the simulator, counting each tenant's snapshot lists.
      proxmox: {
        call: (request: ConnectorRequest) => {
          const { tenantId, command } = request as { tenantId: string; command?: { type: string } };
          if (command?.type === 'listSnapshots')
            listedByTenant.set(tenantId, (listedByTenant.get(tenantId) ?? 0) + 1);
          return inProcess.call(request);
        },
      },
      ids: createUlidGenerator(),
      now: Date.now,
      events: noEvents,
    };
    const tenants = Array.from({ length: 30 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);
    // Registering and syncing 30 clusters is most of this test's time on a loaded machine.
    await Promise.all(
      tenants.map(async (tenantId) => {
        const context = {
          principal: { tenantId, subject: 'admin', role: 'admin' as const },
          requestId: tenantId,
        };
        const cluster = await registerCluster(deps, context, {
          name: 'lab',
          url: simulator.server.url,
          tokenId: TOKEN_ID,
          tokenSecret: TOKEN_SECRET,
          fingerprint: simulator.server.fingerprint(),
        });
        await syncClusterInventory(deps, context, cluster.id);
      }),
    );
    const live = (await table.store.guests.list('tenant-00', { limit: 200 })).items.length;
    expect(live).toBeGreaterThan(0);
    const commands = recordCommands(table);
    try {
      const summary = await runLocalSweep(deps, async () => undefined);
      expect(summary).toMatchObject({ tenants: 30, units: 60, failedUnits: 0 });
      expect(summary.reconciled).toMatchObject({ guests: 30 * live, unreachable: 0, deferred: 0 });
      expect([...listedByTenant.keys()].sort()).toEqual(tenants);
      expect(new Set(listedByTenant.values())).toEqual(new Set([live]));
    } finally {
      await connector.close();
    }
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((name) => name.startsWith('Scan'))).toEqual([]);
  }, 180_000);

  it('splits a tenant into chunks of guests and enqueues what the deadline leaves for a later unit', async () => {
    const { store } = await createTestTable();
    const clusterId = 'cl_01JD0000000000000000000001';
    const guests: Guest[] = Array.from({ length: SWEEP_CHUNK_GUESTS + 5 }, (_, i) => ({
      id: `${clusterId}.${100 + i}`,
      tenantId: 'big',
      clusterId,
      vmid: 100 + i,
      type: 'qemu',
      node: 'pve1',
      name: `vm${100 + i}`,
      status: 'running',
      template: false,
      tags: [],
      gone: false,
      firstSeenAt: '2026-01-01T00:00:00.000Z',
      lastSeenAt: '2026-01-01T00:00:00.000Z',
    }));
    await store.guests.putMany(guests);
    await registerTenant(store.table, 'big');
    const deps = quietServiceDeps(store, { proxmox: { call: async () => [] } });
    const enqueued: SweepUnit[] = [];
    const queue = { enqueue: async (units: readonly SweepUnit[]) => void enqueued.push(...units) };
    expect(await planDailySweep(deps, queue)).toEqual({ tenants: 1 });
    expect(enqueued).toEqual([{ kind: 'tenant', tenantId: 'big' }]);

    enqueued.length = 0;
    await sweepUnit(
      deps,
      { kind: 'tenant', tenantId: 'big' },
      { queue, startPruneLane: async () => undefined },
    );
    expect(enqueued.map((unit) => (unit.kind === 'guests' ? unit.guestIds.length : 0))).toEqual([
      SWEEP_CHUNK_GUESTS,
      5,
    ]);

    // Time for three calls: three guests are reconciled, the rest goes back to the queue.
    const chunk = enqueued[0] as Extract<SweepUnit, { kind: 'guests' }>;
    enqueued.length = 0;
    let left = 4_000;
    const result = await sweepUnit(deps, chunk, {
      queue,
      startPruneLane: async () => undefined,
      limits: { timeLeftMs: () => (left -= 1_000), callBudgetMs: 500 },
    });
    expect(result.reconciled).toMatchObject({ guests: 3, deferred: SWEEP_CHUNK_GUESTS - 3 });
    expect(enqueued).toEqual([
      { kind: 'guests', tenantId: 'big', chunk: '0.rest', guestIds: chunk.guestIds.slice(3) },
    ]);
  });
});
