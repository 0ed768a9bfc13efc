import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, clusterBody, FINGERPRINT, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

describe('registering a cluster', () => {
  it('stores the cluster and never returns, logs or audits the token secret', async () => {
    const body = clusterBody({ name: 'Lab', fingerprint: FINGERPRINT.toLowerCase() });
    const created = await admin.post('/v1/clusters', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Lab',
      url: body.url,
      tokenId: body.tokenId,
      fingerprint: FINGERPRINT,
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
    const body = clusterBody();
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
    const response = await caller.post('/v1/clusters', clusterBody(override));
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path, rule }));
    expect((await caller.get('/v1/clusters')).body.items).toEqual([]);
    expect((await caller.get('/v1/audit')).body.items).toEqual([]);
  });

  it('refuses a duplicate name with 409 and leaves no secret behind', async () => {
    const caller = await api.as('dup-cluster', 'admin');
    await caller.post('/v1/clusters', clusterBody({ name: 'same' }));
    const folder = join(api.runtime.dataDir, 'secrets');
    const before = readdirSync(folder).length;
    expect((await caller.post('/v1/clusters', clusterBody({ name: 'SAME' }))).status).toBe(409);
    expect(readdirSync(folder).length).toBe(before);
  });
});

describe('changing and removing a cluster', () => {
  it('updates fields, rotates the secret without returning it, honours If-Match, and audits the rotation', async () => {
    const created = await admin.post('/v1/clusters', clusterBody());
    const rotated = await admin.patch(
      `/v1/clusters/${created.body.id}`,
      { url: 'https://pve2.example.com:8006', tokenSecret: 'the-new-secret-value' },
      { 'if-match': '"1"' },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.url).toBe('https://pve2.example.com:8006');
    expect(rotated.headers.get('etag')).toBe('"2"');
    expect(
      (await admin.patch(`/v1/clusters/${created.body.id}`, { name: 'x' }, { 'if-match': '"1"' })).status,
    ).toBe(412);
    const audit = await admin.get(`/v1/audit?resourceType=cluster&resourceId=${created.body.id}`);
    expect(audit.body.items[0]).toMatchObject({
      action: 'cluster.update',
      after: { tokenSecret: '[rotated]' },
    });
    expect(audit.text).not.toContain('the-new-secret-value');
    expect(api.logs.join('\n')).not.toContain('the-new-secret-value');
  });

  it('deletes the cluster and its stored secret', async () => {
    const caller = await api.as('delete-cluster', 'admin');
    const folder = join(api.runtime.dataDir, 'secrets');
    const before = readdirSync(folder).length;
    const created = await caller.post('/v1/clusters', clusterBody());
    expect(readdirSync(folder).length).toBe(before + 1);
    expect((await caller.delete(`/v1/clusters/${created.body.id}`)).status).toBe(204);
    expect(readdirSync(folder).length).toBe(before);
    expect((await caller.get(`/v1/clusters/${created.body.id}`)).status).toBe(404);
  });

  it('lets only admins manage clusters', async () => {
    const created = await admin.post('/v1/clusters', clusterBody());
    const operator = await api.as('acme', 'operator');
    expect((await operator.get(`/v1/clusters/${created.body.id}`)).status).toBe(200);
    expect((await operator.post('/v1/clusters', clusterBody())).status).toBe(403);
    expect((await operator.patch(`/v1/clusters/${created.body.id}`, { name: 'y' })).status).toBe(403);
    expect((await operator.delete(`/v1/clusters/${created.body.id}`)).status).toBe(403);
  });
});
