import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, FINGERPRINT, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

describe('registering a cluster', () => {
  it('stores the cluster and never returns, logs or audits the token secret', async () => {
    const fingerprint = api.simulator.server.fingerprint();
    const body = api.clusterBody({ name: 'Lab', fingerprint: fingerprint.toLowerCase() });
    const created = await admin.post('/v1/clusters', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Lab',
      url: body.url,
      tokenId: body.tokenId,
      fingerprint,
      version: 1,
    });
    expect(created.text).not.toContain(body.tokenSecret);
    expect(created.body).not.toHaveProperty('tokenSecret');
    expect(created.body).not.toHaveProperty('secretRef');

    const fetched = await admin.get(`/v1/clusters/${created.body.id}`);
    const listed = await admin.get('/v1/clusters');
    const audit = await admin.get('/v1/audit');
    const csv = await admin.get('/v1/audit', { accept: 'text/csv' });
    for (const response of [fetched, listed, audit, csv])
      expect(response.text).not.toContain(body.tokenSecret);
    expect(api.logs.length).toBeGreaterThan(0);
    expect(api.logs.join('\n')).not.toContain(body.tokenSecret);
  });

  it('keeps the secret encrypted at rest in the local secret store', async () => {
    const body = api.clusterBody();
    await admin.post('/v1/clusters', body);
    const folder = join(api.runtime.dataDir, 'secrets');
    const files = readdirSync(folder).map((file) => readFileSync(join(folder, file), 'utf8'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.join('\n')).not.toContain(body.tokenSecret);
  });

  it.each([
    ['a plain http URL', { url: 'http://pve.example.com:8006' }, 'url', 'url.https'],
    ['a URL with credentials', { url: 'https://root:pw@pve.example.com' }, 'url', 'url.https'],
    ['not a URL', { url: 'pve.example.com' }, 'url', 'url.https'],
    ['a token id without realm', { tokenId: 'root!snap' }, 'tokenId', 'invalid_format'],
    ['a token id without token name', { tokenId: 'root@pam' }, 'tokenId', 'invalid_format'],
    ['an empty secret', { tokenSecret: '' }, 'tokenSecret', 'too_small'],
    ['a SHA-1 fingerprint', { fingerprint: FINGERPRINT.slice(0, 59) }, 'fingerprint', 'fingerprint.sha256'],
    [
      'a fingerprint without colons',
      { fingerprint: FINGERPRINT.replaceAll(':', '') },
      'fingerprint',
      'fingerprint.sha256',
    ],
    ['a CA that is not PEM', { caCertificate: 'hello' }, 'caCertificate', 'invalid_format'],
    ['an unknown field', { insecure: true }, 'insecure', 'unknown-field'],
  ])('rejects %s and writes nothing', async (_label, override, path, rule) => {
    const caller = await api.as(`cl-${path.toLowerCase()}-${rule.replaceAll(/[._]/g, '-')}`, 'admin');
    const response = await caller.post('/v1/clusters', api.clusterBody(override));
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path, rule }));
    expect((await caller.get('/v1/clusters')).body.items).toEqual([]);
    expect((await caller.get('/v1/audit')).body.items).toEqual([]);
  });

  it('refuses a duplicate name with 409 and leaves no secret behind', async () => {
    const caller = await api.as('dup-cluster', 'admin');
    await caller.post('/v1/clusters', api.clusterBody({ name: 'same' }));
    const folder = join(api.runtime.dataDir, 'secrets');
    const before = readdirSync(folder).length;
    expect((await caller.post('/v1/clusters', api.clusterBody({ name: 'SAME' }))).status).toBe(409);
    expect(readdirSync(folder).length).toBe(before);
  });
});

describe('changing and removing a cluster', () => {
  it('rotates the token secret only to one the cluster accepts, honours If-Match, and audits the rotation', async () => {
    api.simulator.tokens['rotate@pve!svc'] = 'the-old-secret-value';
    const created = await admin.post(
      '/v1/clusters',
      api.clusterBody({ tokenId: 'rotate@pve!svc', tokenSecret: 'the-old-secret-value' }),
    );
    expect(created.status).toBe(201);

    const refused = await admin.patch(`/v1/clusters/${created.body.id}`, {
      tokenSecret: 'not-what-proxmox-has',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.type).toBe('urn:pve-snapshots:problem:proxmox-auth-failed');
    expect((await admin.get(`/v1/clusters/${created.body.id}`)).headers.get('etag')).toBe('"1"');

    // The operator rotates the token in Proxmox; the old secret stops working there.
    api.simulator.tokens['rotate@pve!svc'] = 'the-new-secret-value';
    expect((await admin.post(`/v1/clusters/${created.body.id}/sync`)).status).toBe(422);
    const rotated = await admin.patch(
      `/v1/clusters/${created.body.id}`,
      { name: 'rotated', tokenSecret: 'the-new-secret-value' },
      { 'if-match': '"1"' },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.name).toBe('rotated');
    expect(rotated.headers.get('etag')).toBe('"2"');
    expect((await admin.post(`/v1/clusters/${created.body.id}/sync`)).status).toBe(200);
    expect(
      (await admin.patch(`/v1/clusters/${created.body.id}`, { name: 'x' }, { 'if-match': '"1"' })).status,
    ).toBe(412);

    const audit = await admin.get(
      `/v1/audit?resourceType=cluster&resourceId=${created.body.id}&action=cluster.update`,
    );
    expect(audit.body.items[0]).toMatchObject({
      action: 'cluster.update',
      after: { tokenSecret: '[rotated]' },
    });
    const everything = [audit.text, (await admin.get('/v1/audit?limit=200')).text, api.logs.join('\n')].join(
      '\n',
    );
    expect(everything).not.toContain('the-new-secret-value');
    expect(everything).not.toContain('the-old-secret-value');
  });

  it('deletes the cluster and its stored secret', async () => {
    const caller = await api.as('delete-cluster', 'admin');
    const folder = join(api.runtime.dataDir, 'secrets');
    const before = readdirSync(folder).length;
    const created = await caller.post('/v1/clusters', api.clusterBody());
    expect(readdirSync(folder).length).toBe(before + 1);
    expect((await caller.delete(`/v1/clusters/${created.body.id}`)).status).toBe(204);
    expect(readdirSync(folder).length).toBe(before);
    expect((await caller.get(`/v1/clusters/${created.body.id}`)).status).toBe(404);
  });

  it('takes its guests out of the inventory: runs no longer select them and previews say why', async () => {
    const caller = await api.as('retire-guests', 'admin');
    const created = await caller.post('/v1/clusters', api.clusterBody());
    const clusterId = created.body.id as string;
    const live = (await caller.get(`/v1/guests?cluster=${clusterId}&limit=200`)).body.items;
    expect(live.length).toBeGreaterThan(3);
    const policy = await caller.post(
      '/v1/policies',
      policyBody({ selector: { guests: [`${clusterId}.100`, `${clusterId}.101`] } }),
    );
    expect((await caller.get(`/v1/policies/${policy.body.id}/targets`)).body.targets).toHaveLength(2);

    expect((await caller.delete(`/v1/clusters/${clusterId}`)).status).toBe(204);

    expect((await caller.get(`/v1/guests?cluster=${clusterId}`)).body.items).toEqual([]);
    const kept = (await caller.get(`/v1/guests?cluster=${clusterId}&includeGone=true&limit=200`)).body.items;
    expect(kept).toHaveLength(live.length);
    expect(kept.every((guest: { gone: boolean; goneAt?: string }) => guest.gone && guest.goneAt)).toBe(true);
    const preview = (await caller.get(`/v1/policies/${policy.body.id}/targets`)).body;
    expect(preview.targets).toEqual([]);
    const named = preview.notIncluded.filter((entry: { guest: { vmid: number } }) =>
      [100, 101].includes(entry.guest.vmid),
    );
    expect(named.map((entry: { reason: string }) => entry.reason)).toEqual([
      'cluster-deleted',
      'cluster-deleted',
    ]);
    expect(named[0].detail).toContain(clusterId);

    const run = await caller.post(`/v1/policies/${policy.body.id}/runs`);
    expect(run.status).toBe(202);
    await api.runtime.workflows.drain();
    const finished = (await caller.get(`/v1/runs/${run.body.id}`)).body;
    expect(finished).toMatchObject({ targets: 0, failed: 0 });
    expect(finished.results).toEqual([]);
  });

  it('lets only admins manage clusters', async () => {
    const created = await admin.post('/v1/clusters', api.clusterBody());
    const operator = await api.as('acme', 'operator');
    expect((await operator.get(`/v1/clusters/${created.body.id}`)).status).toBe(200);
    expect((await operator.post('/v1/clusters', api.clusterBody())).status).toBe(403);
    expect((await operator.patch(`/v1/clusters/${created.body.id}`, { name: 'y' })).status).toBe(403);
    expect((await operator.delete(`/v1/clusters/${created.body.id}`)).status).toBe(403);
  });
});
