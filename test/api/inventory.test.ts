import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startTestSimulator } from '#test/support/simulator.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  const created = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
  clusterId = created.body.id;
});
afterAll(() => api.stop());

describe('registering a cluster checks the connection first', () => {
  it('refuses an unreachable cluster with 502 and stores nothing', async () => {
    const caller = await api.as('unreachable', 'admin');
    const response = await caller.post('/v1/clusters', api.clusterBody({ url: 'https://127.0.0.1:1' }));
    expect(response.status).toBe(502);
    expect(response.body.type).toBe('urn:pve-snapshots:problem:proxmox-unreachable');
    expect((await caller.get('/v1/clusters')).body.items).toEqual([]);
  });

  it('refuses a mis-pinned certificate with 422, naming both fingerprints', async () => {
    const other = await startTestSimulator();
    const wrong = other.server.fingerprint();
    await other.close();
    const caller = await api.as('mispinned', 'admin');
    const response = await caller.post('/v1/clusters', api.clusterBody({ fingerprint: wrong }));
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:pve-snapshots:problem:proxmox-tls-failed');
    expect(response.body.detail).toContain(wrong);
    expect(response.body.detail).toContain(api.simulator.server.fingerprint());
    expect((await caller.get('/v1/clusters')).body.items).toEqual([]);
  });

  it('refuses a wrong token secret and a token without snapshot privileges with 422', async () => {
    const caller = await api.as('badtoken', 'admin');
    const wrongSecret = await caller.post('/v1/clusters', api.clusterBody({ tokenSecret: 'wrong' }));
    expect(wrongSecret.status).toBe(422);
    expect(wrongSecret.body.type).toBe('urn:pve-snapshots:problem:proxmox-auth-failed');
    const readOnly = await caller.post(
      '/v1/clusters',
      api.clusterBody({ tokenId: 'audit@pve!readonly', tokenSecret: 'readonly-secret' }),
    );
    expect(readOnly.status).toBe(422);
    expect(readOnly.body.type).toBe('urn:pve-snapshots:problem:proxmox-permission-denied');
    expect(readOnly.body.detail).toContain('VM.Snapshot');
    expect((await caller.get('/v1/clusters')).body.items).toEqual([]);
  });
});

describe('inventory', () => {
  it('fills the guest list from /cluster/resources on registration', async () => {
    const guests = (await admin.get('/v1/guests?limit=200')).body.items;
    expect(guests).toHaveLength(api.simulator.sim.state.guests.length);
    expect(guests.find((g: { vmid: number }) => g.vmid === 102)).toMatchObject({
      id: `${clusterId}.102`,
      clusterId,
      type: 'qemu',
      node: 'pve2',
      name: 'db-01',
      status: 'running',
      template: false,
      tags: ['db', 'prod'],
      pool: 'production',
      gone: false,
    });
    const single = await admin.get(`/v1/guests/${clusterId}.9000`);
    expect(single.body).toMatchObject({ template: true, status: 'stopped' });
  });

  it('filters by cluster, node, type, tag, pool and status', async () => {
    const ids = async (query: string) =>
      (await admin.get(`/v1/guests?${query}`)).body.items
        .map((g: { vmid: number }) => g.vmid)
        .sort((a: number, b: number) => a - b);
    expect(await ids('node=pve1')).toEqual([100, 101, 200, 9000]);
    expect(await ids('type=lxc')).toEqual([200, 201, 202, 203]);
    expect(await ids('tag=prod')).toEqual([100, 101, 102, 200, 201]);
    expect(await ids('pool=staging')).toEqual([104]);
    expect(await ids('status=stopped')).toEqual([103, 203, 9000]);
    expect(await ids(`cluster=${clusterId}&type=qemu&tag=web`)).toEqual([100, 101]);
    expect((await admin.get('/v1/guests?type=vm')).status).toBe(400);
  });

  it('marks a guest that disappeared as gone instead of deleting it, and picks up changes', async () => {
    const state = api.simulator.sim.state;
    const removed = state.guests.find((g) => g.vmid === 203);
    state.guests = state.guests.filter((g) => g.vmid !== 203);
    const renamed = state.guests.find((g) => g.vmid === 202);
    if (renamed) renamed.tags = ['infra', 'monitoring'];
    try {
      const sync = await admin.post(`/v1/clusters/${clusterId}/sync`);
      expect(sync.status).toBe(200);
      expect(sync.body).toMatchObject({ gone: 1, updated: 1, added: 0 });
      expect(
        (await admin.get('/v1/guests?limit=200')).body.items.map((g: { vmid: number }) => g.vmid),
      ).not.toContain(203);
      const gone = await admin.get(`/v1/guests/${clusterId}.203`);
      expect(gone.body).toMatchObject({ gone: true, goneAt: sync.body.syncedAt });
      expect(
        (await admin.get('/v1/guests?includeGone=true&limit=200')).body.items.map(
          (g: { vmid: number }) => g.vmid,
        ),
      ).toContain(203);
      expect((await admin.get(`/v1/guests/${clusterId}.202`)).body.tags).toEqual(['infra', 'monitoring']);
    } finally {
      if (removed) state.guests.push(removed);
    }
    const back = await admin.post(`/v1/clusters/${clusterId}/sync`);
    expect(back.body.updated).toBe(1);
    expect((await admin.get(`/v1/guests/${clusterId}.203`)).body.gone).toBe(false);
  });

  it('reports an offline node\u2019s guests as unknown and a failed sync as a problem', async () => {
    api.simulator.sim.setNodeOnline('pve3', false);
    try {
      await admin.post(`/v1/clusters/${clusterId}/sync`);
      expect((await admin.get(`/v1/guests/${clusterId}.104`)).body).toMatchObject({
        status: 'unknown',
        name: 'staging-app',
      });
    } finally {
      api.simulator.sim.setNodeOnline('pve3', true);
    }
    api.simulator.server.failNext({ status: 595, message: 'No route to host', count: 10 });
    try {
      const failed = await admin.post(`/v1/clusters/${clusterId}/sync`);
      expect(failed.status).toBe(502);
      const audit = await admin.get(`/v1/audit?action=cluster.sync&outcome=failure`);
      expect(audit.body.items[0].reason).toContain('No route to host');
    } finally {
      api.simulator.server.clearFaults();
    }
  });

  it('lets viewers read guests but not sync; other tenants see nothing', async () => {
    const viewer = await api.as('acme', 'viewer');
    expect((await viewer.get('/v1/guests')).status).toBe(200);
    expect((await viewer.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(403);
    const operator = await api.as('acme', 'operator');
    expect((await operator.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    const stranger = await api.as('stranger', 'admin');
    expect((await stranger.get('/v1/guests')).body.items).toEqual([]);
    expect((await stranger.get(`/v1/guests/${clusterId}.100`)).status).toBe(404);
    expect((await stranger.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(404);
  });
});

describe('guests named as people name them', () => {
  it('filters guests by cluster name as well as by id', async () => {
    const vmids = async (query: string) =>
      (await admin.get(`/v1/guests?limit=200&${query}`)).body.items.map((g: { vmid: number }) => g.vmid);
    const byId = await vmids(`cluster=${clusterId}`);
    expect(byId.length).toBeGreaterThan(0);
    expect(await vmids('cluster=lab')).toEqual(byId);
    expect(await vmids('cluster=LAB&type=lxc')).toEqual([200, 201, 202, 203]);
    expect(await vmids('cluster=nowhere')).toEqual([]);
  });

  it('accepts <cluster name>/<vmid> wherever a guest id goes, and answers with the canonical id', async () => {
    const byName = await admin.get('/v1/guests/lab%2F101');
    expect(byName.status).toBe(200);
    expect(byName.body.id).toBe(`${clusterId}.101`);
    expect((await admin.get(`/v1/guests/lab%2F101/snapshots`)).status).toBe(200);
    // API Gateway's HTTP API hands the function the path decoded: the same guest, the same answer.
    expect((await admin.get('/v1/guests/lab/101')).body.id).toBe(`${clusterId}.101`);
    expect((await admin.get('/v1/guests/lab/101/snapshots')).status).toBe(200);
    expect((await admin.get('/v1/guests/lab%2F4040')).status).toBe(404);
    expect((await admin.get('/v1/guests/nowhere%2F101')).status).toBe(404);
    const malformed = await admin.get('/v1/guests/lab%2Fweb-02');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0]).toMatchObject({ path: 'path.guestId', rule: 'guest-id' });
    expect((await (await api.as('stranger', 'admin')).get('/v1/guests/lab%2F101')).status).toBe(404);
  });

  it('stores a policy\u2019s guests by their canonical id, whichever way they were named', async () => {
    const created = await admin.post(
      '/v1/policies',
      policyBody({
        selector: { guests: ['lab/101', `${clusterId}.102`], exclude: { guests: ['Lab/103'], tags: [] } },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.selector).toMatchObject({
      guests: [`${clusterId}.101`, `${clusterId}.102`],
      exclude: { guests: [`${clusterId}.103`] },
    });
    const patched = await admin.patch(`/v1/policies/${created.body.id}`, {
      selector: { guests: ['lab/104'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.selector.guests).toEqual([`${clusterId}.104`]);
    const targets = (await admin.get(`/v1/policies/${created.body.id}/targets`)).body.targets;
    expect(targets.map((g: { id: string }) => g.id)).toEqual([`${clusterId}.104`]);
  });

  it('refuses a policy naming a guest the inventory does not know with 422 naming each, and stores nothing', async () => {
    const before = (await admin.get('/v1/policies?limit=200')).body.items.length;
    const response = await admin.post(
      '/v1/policies',
      policyBody({
        selector: {
          guests: ['lab/101', 'lab/999', `${clusterId}.998`],
          exclude: { guests: ['nowhere/100'], tags: [] },
        },
      }),
    );
    expect(response.status).toBe(422);
    expect(response.body.type).toBe('urn:pve-snapshots:problem:unknown-reference');
    expect(response.body.errors.map((issue: { path: string }) => issue.path)).toEqual([
      'selector.exclude.guests.0',
      'selector.guests.1',
      'selector.guests.2',
    ]);
    expect(response.body.detail).toContain('lab/999');
    expect((await admin.get('/v1/policies?limit=200')).body.items).toHaveLength(before);
    const policy = (await admin.post('/v1/policies', policyBody({ selector: { tags: ['prod'] } }))).body;
    const patch = await admin.patch(`/v1/policies/${policy.id}`, { selector: { guests: ['lab/999'] } });
    expect(patch.status).toBe(422);
    expect((await admin.get(`/v1/policies/${policy.id}`)).body.version).toBe(policy.version);
  });

  it('previews retention for a guest named either way, and answers 404 for a guest it does not know', async () => {
    const policy = (await admin.post('/v1/policies', policyBody({ selector: { tags: ['prod'] } }))).body;
    const byName = await admin.get(`/v1/policies/${policy.id}/retention-preview?guestId=lab%2F101`);
    expect(byName.status).toBe(200);
    expect(byName.body.guests).toEqual([{ guestId: `${clusterId}.101`, snapshots: [] }]);
    for (const bogus of ['bogus', 'lab%2F999', `${clusterId}.999`]) {
      const response = await admin.get(`/v1/policies/${policy.id}/retention-preview?guestId=${bogus}`);
      expect(response.status).toBe(404);
      expect(response.body.type).toBe('urn:pve-snapshots:problem:not-found');
    }
  });
});
