import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let viewer: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  viewer = await api.as('acme', 'viewer');
  // Registration syncs the inventory: storages included.
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
}, 120_000);
afterAll(() => api.stop());

interface ListedStorage {
  storage: string;
  node: string;
  nodes: string[];
  total: number;
  used: number;
  avail: number;
  active: boolean;
  shared: boolean;
  content: string[];
  type: string;
  enabled: boolean;
  usedPercent?: number;
  serviceUsage: { backupBytes: number; backups: number; vmstateBytes: number; vmstates: number };
}

const listed = async (caller: Caller = viewer): Promise<ListedStorage[]> => {
  const response = await caller.get(`/v1/clusters/${clusterId}/storages`);
  expect(response.status).toBe(200);
  return response.body.items;
};

describe('GET /v1/clusters/{id}/storages', () => {
  it('lists every storage per node as the simulator reports it, a shared one once with the nodes that see it', async () => {
    const items = await listed();
    const state = api.simulator.sim.state;
    const expected = state.storages.flatMap((s) =>
      s.shared ? [`${s.storage}@*`] : s.nodes.map((n) => `${s.storage}@${n}`),
    );
    expect(items.map((s) => `${s.storage}@${s.node}`).sort()).toEqual(expected.sort());
    for (const item of items) {
      const sim = state.storages.find(
        (s) => s.storage === item.storage && (s.shared || s.nodes.includes(item.node)),
      );
      if (!sim) throw new Error(`no simulated storage ${item.storage}`);
      expect(item).toMatchObject({
        total: sim.total,
        used: sim.used,
        avail: sim.total - sim.used,
        active: true,
        enabled: true,
        shared: sim.shared,
        type: sim.type,
        content: sim.content,
      });
      expect(item.usedPercent).toBeCloseTo((sim.used / sim.total) * 100, 1);
    }
    expect(items.find((s) => s.storage === 'backup-nfs')?.nodes.sort()).toEqual(['pve1', 'pve2', 'pve3']);
  });

  it('counts the service\u2019s own archives per storage, and the figures follow the simulator after the next sync', async () => {
    const policy = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'usage',
        kind: 'backup',
        backup: { storage: 'backup-nfs' },
        selector: { guests: ['lab/100', 'lab/102'] },
      }),
    );
    expect(policy.status).toBe(201);
    expect((await admin.post(`/v1/policies/${policy.body.id}/runs`)).status).toBe(202);
    await api.runtime.workflows.drain();
    const archives = api.simulator.sim.state.volumes.filter((v) => v.storage === 'backup-nfs');
    expect(archives.length).toBe(2);
    const nfs = (await listed()).find((s) => s.storage === 'backup-nfs');
    expect(nfs?.serviceUsage).toEqual({
      backupBytes: archives.reduce((sum, v) => sum + v.size, 0),
      backups: 2,
      vmstateBytes: 0,
      vmstates: 0,
    });
    // The run's start synced before the archives were written; a sync now sees them in Proxmox's figure.
    expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    const simulated = api.simulator.sim.state.storages.find((s) => s.storage === 'backup-nfs');
    expect((await listed()).find((s) => s.storage === 'backup-nfs')?.used).toBe(simulated?.used);
  }, 120_000);

  it('records a RAM snapshot\u2019s state volume size from its storage\u2019s content, and counts it on the storage', async () => {
    const operator = await api.as('acme', 'operator');
    const guestId = `${clusterId}.101`;
    const started = await operator.post(`/v1/guests/${guestId}/snapshots`, {
      name: 'with-ram',
      includeMemory: true,
    });
    expect(started.status, started.text).toBe(202);
    await api.runtime.workflows.drain();
    expect((await viewer.get(`/v1/operations/${started.body.id}`)).body.status).toBe('succeeded');
    const guest = api.simulator.sim.state.guests.find((g) => g.vmid === 101);
    const simulated = guest?.snapshots.find((snapshot) => snapshot.name === 'with-ram');
    expect(simulated?.vmstateSize).toBeGreaterThan(0);
    // As pve-storage lists it among the storage's images: qemu-server's name, raw, with its size.
    const images = api.simulator.sim.storageContent('pve1', guest?.storage ?? '', 'images', 101);
    expect(images).toEqual([
      expect.objectContaining({
        volid: expect.stringMatching(/vm-101-state-with-ram(\.raw)?$/),
        format: 'raw',
        size: simulated?.vmstateSize,
        content: 'images',
      }),
    ]);

    expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    const snapshots = (await viewer.get(`/v1/guests/${guestId}/snapshots`)).body.items;
    expect(snapshots.find((snapshot: { name: string }) => snapshot.name === 'with-ram')).toMatchObject({
      vmstate: true,
      vmstateSize: simulated?.vmstateSize,
      vmstateStorage: guest?.storage,
    });
    const storage = (await listed()).find((s) => s.storage === guest?.storage && s.nodes.includes('pve1'));
    expect(storage?.serviceUsage).toMatchObject({ vmstateBytes: simulated?.vmstateSize, vmstates: 1 });
  }, 120_000);

  it('shows a storage gone inactive as Proxmox does: active false, no figures', async () => {
    api.simulator.sim.setStorage({ storage: 'backup-small', active: false });
    try {
      expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
      expect((await listed()).find((s) => s.storage === 'backup-small')).toMatchObject({
        active: false,
        total: 0,
        used: 0,
        avail: 0,
      });
    } finally {
      api.simulator.sim.setStorage({ storage: 'backup-small', active: true });
    }
  });

  it('keeps a daily trend point per storage for the plot, the day\u2019s last sync winning', async () => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const now = Date.parse('2026-12-01T12:00:00Z');
    const local = api.simulator.sim.state.storages.find(
      (s) => s.storage === 'local' && s.nodes.includes('pve1'),
    );
    if (!local) throw new Error('local on pve1 expected');
    for (const [offset, used] of [
      [-2, 10],
      [-1, 11],
      [0, 12],
      [0, 13],
    ] as const) {
      api.setNow(now + offset * 86_400_000);
      local.used = used * 1024 ** 3;
      expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    }
    const trend = await viewer.get(`/v1/clusters/${clusterId}/storages/local/trend?days=3`);
    expect(trend.status).toBe(200);
    const pve1 = trend.body.points.filter((p: { node: string }) => p.node === 'pve1');
    expect(pve1.map((p: { day: string; used: number }) => [p.day, p.used / 1024 ** 3])).toEqual([
      [day(now - 2 * 86_400_000), 10],
      [day(now - 86_400_000), 11],
      [day(now), 13],
    ]);
    const item = await api.runtime.store.table.doc.send(
      new GetCommand({
        TableName: api.runtime.store.table.tableName,
        Key: { pk: `TENANT#acme#STORAGE#${clusterId}#local`, sk: `${day(now)}#pve1` },
      }),
    );
    // Kept 90 days (the TTL sweeper and DynamoDB remove it after).
    expect(item.Item?.ttl).toBe(Math.floor(Date.parse(`${day(now)}T00:00:00Z`) / 1000) + 91 * 86_400);
    expect((await viewer.get(`/v1/clusters/${clusterId}/storages/tape/trend`)).status).toBe(404);
    expect((await viewer.get(`/v1/clusters/${clusterId}/storages/local/trend?days=91`)).status).toBe(400);
  });

  it('never shows one tenant another\u2019s storages, and answers a bad cluster id with a problem', async () => {
    const other = await api.as('other-co', 'admin');
    const response = await other.get(`/v1/clusters/${clusterId}/storages`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((await other.get(`/v1/clusters/${clusterId}/storages/local/trend`)).status).toBe(404);
    expect((await api.raw().get(`/v1/clusters/${clusterId}/storages`)).status).toBe(401);
    expect((await viewer.get('/v1/clusters/not-an-id/storages')).status).toBe(400);
  });
});

describe('storage guard settings', () => {
  it('lets an admin set the tenant default and refuses others and bad values, changing nothing', async () => {
    const operator = await api.as('acme', 'operator');
    expect((await operator.patch('/v1/settings', { storageGuardPercent: 80 })).status).toBe(403);
    expect((await admin.patch('/v1/settings', { storageGuardPercent: 101 })).status).toBe(400);
    expect((await admin.get('/v1/settings')).body).not.toHaveProperty('storageGuardPercent');
    expect((await admin.patch('/v1/settings', { storageGuardPercent: 80 })).body.storageGuardPercent).toBe(
      80,
    );
    const bad = await admin.post(
      '/v1/policies',
      policyBody({ name: 'bad-guard', storageGuard: { thresholdPercent: 0, storages: { 'no spaces': 50 } } }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'storageGuard.storages.no spaces',
      'storageGuard.thresholdPercent',
    ]);
  });
});
