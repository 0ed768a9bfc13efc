import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
const guestId = 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.100';

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
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
    const caller = await api.as('expiry', 'admin');
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    await caller.post('/v1/exclusions', { guestId, reason: 'maintenance window', expiresAt });
    expect((await caller.get('/v1/exclusions')).body.items).toHaveLength(1);
    api.setNow(Date.parse(expiresAt) + 1000);
    try {
      expect((await caller.get('/v1/exclusions')).body.items).toEqual([]);
    } finally {
      api.setNow(Date.now());
    }
  });

  it.each([
    ['a bad guest id', { guestId: '100', reason: 'x' }, 'guestId', 'guest-id'],
    ['an empty reason', { guestId, reason: ' ' }, 'reason', 'too_small'],
    [
      'an expiry in the past',
      { guestId, reason: 'x', expiresAt: '2020-01-01T00:00:00Z' },
      'expiresAt',
      'expiry.future',
    ],
    [
      'an expiry that is not a time',
      { guestId, reason: 'x', expiresAt: 'tomorrow' },
      'expiresAt',
      'invalid_format',
    ],
    [
      'a policy that does not exist',
      { guestId, reason: 'x', policyId: 'pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y9' },
      'policyId',
      'reference.exists',
    ],
  ])('rejects %s and writes nothing', async (_label, body, path, rule) => {
    const caller = await api.as(`exc-${path.toLowerCase()}-${rule.replaceAll(/[._]/g, '-')}`, 'admin');
    const response = await caller.post('/v1/exclusions', body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path, rule }));
    expect((await caller.get('/v1/exclusions')).body.items).toEqual([]);
    expect((await caller.get('/v1/audit')).body.items).toEqual([]);
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
