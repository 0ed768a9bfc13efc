import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;
let guestId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  guestId = `${clusterId}.100`;
});
afterAll(() => api.stop());

describe('exclusions', () => {
  it('creates an exclusion for one policy and lists it by guest and by policy', async () => {
    const policy = await admin.post('/v1/policies', policyBody());
    const created = await admin.post('/v1/exclusions', {
      guestId,
      policyId: policy.body.id,
      reason: 'migrating',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      guestId,
      policyId: policy.body.id,
      reason: 'migrating',
      createdBy: 'acme-admin',
    });
    expect(
      (await admin.get(`/v1/exclusions?guestId=${guestId}`)).body.items.map((e: { id: string }) => e.id),
    ).toContain(created.body.id);
    expect((await admin.get(`/v1/exclusions?policyId=${policy.body.id}`)).body.items).toHaveLength(1);
    expect((await admin.get('/v1/exclusions?policyId=pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y9')).body.items).toEqual(
      [],
    );
  });

  it('stops applying an exclusion the moment it expires, before TTL removes it', async () => {
    const expiring = `${clusterId}.103`;
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    await admin.post('/v1/exclusions', { guestId: expiring, reason: 'maintenance window', expiresAt });
    expect((await admin.get(`/v1/exclusions?guestId=${expiring}`)).body.items).toHaveLength(1);
    api.setNow(Date.parse(expiresAt) + 1000);
    try {
      expect((await admin.get(`/v1/exclusions?guestId=${expiring}`)).body.items).toEqual([]);
    } finally {
      api.setNow(Date.now());
    }
  });

  it.each([
    ['a bad guest id', { guestId: '100', reason: 'x' }, 'guestId', 'guest-id'],
    ['an empty reason', { guestId: 'lab/100', reason: ' ' }, 'reason', 'too_small'],
    [
      'an expiry in the past',
      { guestId: 'lab/100', reason: 'x', expiresAt: '2020-01-01T00:00:00Z' },
      'expiresAt',
      'expiry.future',
    ],
    [
      'an expiry that is not a time',
      { guestId: 'lab/100', reason: 'x', expiresAt: 'tomorrow' },
      'expiresAt',
      'invalid_format',
    ],
  ])('rejects %s and writes nothing', async (_label, body, path, rule) => {
    const caller = await api.as(`exc-${path.toLowerCase()}-${rule.replaceAll(/[._]/g, '-')}`, 'admin');
    const response = await caller.post('/v1/exclusions', body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path, rule }));
    expect((await caller.get('/v1/exclusions')).body.items).toEqual([]);
    expect((await caller.get('/v1/audit')).body.items).toEqual([]);
  });

  it('refuses a guest the inventory does not know or a policy that does not exist with 422 naming each', async () => {
    const unknownPolicy = 'pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y9';
    const before = (await admin.get('/v1/exclusions?limit=200')).body.items.length;
    for (const [body, paths] of [
      [{ guestId: 'lab/999', reason: 'x' }, ['guestId']],
      [{ guestId: `${clusterId}.998`, reason: 'x' }, ['guestId']],
      [{ guestId: 'elsewhere/100', reason: 'x' }, ['guestId']],
      [{ guestId, reason: 'x', policyId: unknownPolicy }, ['policyId']],
      [{ guestId: 'lab/999', reason: 'x', policyId: unknownPolicy }, ['guestId', 'policyId']],
    ] as const) {
      const response = await admin.post('/v1/exclusions', body);
      expect(response.status).toBe(422);
      expect(response.body.type).toBe('urn:pve-snapshots:problem:unknown-reference');
      expect(response.body.errors.map((issue: { path: string }) => issue.path)).toEqual(paths);
      expect(response.body.errors.every((issue: { rule: string }) => issue.rule === 'reference.exists')).toBe(
        true,
      );
      expect(response.body.detail).toContain(paths[0] === 'guestId' ? body.guestId : unknownPolicy);
    }
    expect((await admin.get('/v1/exclusions?limit=200')).body.items).toHaveLength(before);
  });

  it('takes a guest named <cluster>/<vmid> and stores its id; filters by either', async () => {
    const created = await admin.post('/v1/exclusions', { guestId: 'lab/101', reason: 'by name' });
    expect(created.status).toBe(201);
    expect(created.body.guestId).toBe(`${clusterId}.101`);
    for (const filter of [`${clusterId}.101`, 'lab%2F101', 'LAB/101'])
      expect(
        (await admin.get(`/v1/exclusions?guestId=${filter}`)).body.items.map((e: { id: string }) => e.id),
      ).toEqual([created.body.id]);
    expect((await admin.get('/v1/exclusions?guestId=lab%2F999')).body.items).toEqual([]);
  });

  it('deletes an exclusion once; operators cannot manage exclusions', async () => {
    const created = await admin.post('/v1/exclusions', { guestId, reason: 'temporary' });
    const operator = await api.as('acme', 'operator');
    expect((await operator.post('/v1/exclusions', { guestId, reason: 'x' })).status).toBe(403);
    expect((await operator.delete(`/v1/exclusions/${created.body.id}`)).status).toBe(403);
    expect((await admin.delete(`/v1/exclusions/${created.body.id}`)).status).toBe(204);
    expect((await admin.delete(`/v1/exclusions/${created.body.id}`)).status).toBe(404);
  });
});
