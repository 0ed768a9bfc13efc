import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { LocalSecretStore } from '#shared/adapters/secrets/local-secret-store.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import { runConnectorCommand } from '#shared/services/connector-commands.ts';
import { createTestTable, type TestTable } from '#test/support/dynamo.ts';
import { startTestSimulator, type TestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';

let simulator: TestSimulator;
let table: TestTable;
let proxmox: CachedProxmoxConnector;
const clusterId = 'cl_01JD0000000000000000000001';

beforeAll(async () => {
  simulator = await startTestSimulator();
  table = await createTestTable();
  const secrets = new LocalSecretStore(mkdtempSync(join(tmpdir(), 'connector-')), randomBytes(32));
  proxmox = new CachedProxmoxConnector(secrets);
  const cluster: Cluster = {
    id: clusterId,
    tenantId: 'acme',
    name: 'lab',
    url: simulator.server.url,
    tokenId: TOKEN_ID,
    secretRef: await secrets.put(`acme/${clusterId}`, TOKEN_SECRET),
    fingerprint: simulator.server.fingerprint(),
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    version: 1,
  };
  await table.store.clusters.create(cluster, []);
});
afterAll(async () => {
  await proxmox.close();
  await simulator.close();
});

const run = (command: Record<string, unknown>, tenantId = 'acme') =>
  runConnectorCommand({ store: table.store, proxmox }, { tenantId, clusterId, command });

async function untilStopped(upid: string): Promise<{ status: string; exitstatus?: string }> {
  for (;;) {
    const status = (await run({ type: 'taskStatus', upid })) as { status: string; exitstatus?: string };
    if (status.status === 'stopped') return status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the connector function', () => {
  it('starts a snapshot, returns its UPID at once, and reports the task status', async () => {
    const { upid } = (await run({
      type: 'createSnapshot',
      node: 'pve1',
      guestType: 'qemu',
      vmid: 100,
      name: 'auto-20260101-0200',
      vmstate: true,
    })) as { upid: string };
    expect(upid).toMatch(/^UPID:pve1:/);
    expect(await untilStopped(upid)).toMatchObject({ exitstatus: 'OK' });
    const snapshots = (await run({
      type: 'listSnapshots',
      node: 'pve1',
      guestType: 'qemu',
      vmid: 100,
    })) as Array<{ name: string; vmstate: boolean }>;
    expect(snapshots).toContainEqual(expect.objectContaining({ name: 'auto-20260101-0200', vmstate: true }));
  });

  it('throws Proxmox failures by name, for Step Functions to match', async () => {
    const error = await run({ type: 'listSnapshots', node: 'pve2', guestType: 'qemu', vmid: 100 }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('ProxmoxNotFoundError');
    simulator.server.failNext({ status: 403, message: 'Permission check failed (/vms/101, VM.Snapshot)' });
    const denied = await run({
      type: 'createSnapshot',
      node: 'pve1',
      guestType: 'qemu',
      vmid: 101,
      name: 'x1',
    }).catch((e: unknown) => e);
    expect((denied as Error).name).toBe('ProxmoxPermissionError');
  });

  it('rejects malformed commands before calling Proxmox, and unknown or foreign clusters', async () => {
    const bad = await run({
      type: 'createSnapshot',
      node: 'pve1',
      guestType: 'qemu',
      vmid: 100,
      name: 'bad name',
    }).catch((e: unknown) => e);
    expect((bad as Error).name).toBe('ValidationError');
    const unknown = await run({ type: 'rm -rf', node: 'pve1' }).catch((e: unknown) => e);
    expect((unknown as Error).name).toBe('ValidationError');
    const foreign = await run({ type: 'version' }, 'someone-else').catch((e: unknown) => e);
    expect((foreign as Error).name).toBe('NotFoundError');
  });

  it('sends a fast lane\u2019s command only before its startBy; after it, a LaneTimeUpError and nothing reaches Proxmox', async () => {
    const now = Date.parse('2026-11-30T02:00:00.000Z');
    const create = (vmid: number, startBy: string) =>
      runConnectorCommand(
        { store: table.store, proxmox, now: () => now },
        {
          tenantId: 'acme',
          clusterId,
          startBy,
          command: { type: 'createSnapshot', node: 'pve1', guestType: 'qemu', vmid, name: 'lane-time' },
        },
      );
    const snapshotsOf = (vmid: number) =>
      (simulator.sim.state.guests.find((guest) => guest.vmid === vmid)?.snapshots ?? []).map((s) => s.name);
    const late = await create(100, new Date(now).toISOString()).catch((e: unknown) => e);
    expect(late).toMatchObject({
      name: 'LaneTimeUpError',
      message: expect.stringContaining('02:00:00.000Z'),
    });
    expect(snapshotsOf(100)).not.toContain('lane-time');
    const inTime = (await create(101, new Date(now + 1).toISOString())) as { upid: string };
    expect(inTime.upid).toMatch(/^UPID:pve1:/);
    await untilStopped(inTime.upid);
    expect(snapshotsOf(101)).toContain('lane-time');
  });

  it('reuses one client per cluster across calls', async () => {
    const cluster = await table.store.clusters.get('acme', clusterId);
    const first = await proxmox.forCluster(cluster as Cluster);
    await run({ type: 'version' });
    expect(await proxmox.forCluster(cluster as Cluster)).toBe(first);
  });
});
