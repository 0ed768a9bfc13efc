import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let owner: Caller;
let intruder: Caller;
const ids: Record<string, string> = {};

beforeAll(async () => {
  api = await startTestApi();
  owner = await api.as('owner', 'admin');
  intruder = await api.as('intruder', 'admin');
  ids.policy = (await owner.post('/v1/policies', policyBody({ name: 'secret-policy' }))).body.id;
  ids.cluster = (await owner.post('/v1/clusters', api.clusterBody({ name: 'secret-cluster' }))).body.id;
  ids.exclusion = (
    await owner.post('/v1/exclusions', {
      guestId: `${ids.cluster}.100`,
      policyId: ids.policy,
      reason: 'owner only',
    })
  ).body.id;
});
afterAll(() => api.stop());

describe('a second tenant probing the first', () => {
  it('gets 404 for every resource of the other tenant, exactly as for a missing one', async () => {
    const missingPolicy = await intruder.get('/v1/policies/pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y9');
    const probes = [
      intruder.get(`/v1/policies/${ids.policy}`),
      intruder.get(`/v1/policies/${ids.policy}/next-runs`),
      intruder.post(`/v1/policies/${ids.policy}/dry-run`),
      intruder.patch(`/v1/policies/${ids.policy}`, { description: 'owned' }),
      intruder.delete(`/v1/policies/${ids.policy}`),
      intruder.get(`/v1/clusters/${ids.cluster}`),
      intruder.patch(`/v1/clusters/${ids.cluster}`, { name: 'owned' }),
      intruder.delete(`/v1/clusters/${ids.cluster}`),
      intruder.delete(`/v1/exclusions/${ids.exclusion}`),
    ];
    for (const probe of await Promise.all(probes)) {
      expect(probe.status).toBe(404);
      expect(probe.body.type).toBe(missingPolicy.body.type);
      expect(probe.body.title).toBe(missingPolicy.body.title);
    }
  });

  it('sees empty lists and an empty audit trail', async () => {
    for (const path of ['/v1/policies', '/v1/clusters', '/v1/exclusions', '/v1/audit']) {
      const response = await intruder.get(path);
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([]);
    }
    const compliance = await intruder.get('/v1/reports/compliance');
    expect(compliance.body.policies).toEqual([]);
    expect(JSON.stringify(compliance.body)).not.toContain(ids.policy);
    expect((await intruder.get(`/v1/audit?resourceType=policy&resourceId=${ids.policy}`)).body.items).toEqual(
      [],
    );
  });

  it('cannot reference the other tenant\u2019s policy in an exclusion', async () => {
    const response = await intruder.post('/v1/exclusions', {
      guestId: `${ids.cluster}.100`,
      policyId: ids.policy,
      reason: 'x',
    });
    expect(response.status).toBe(422);
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({ path: 'policyId', rule: 'reference.exists' }),
    );
  });

  it('cannot use the other tenant\u2019s pagination cursor', async () => {
    for (let index = 0; index < 3; index++) await owner.post('/v1/policies', policyBody());
    const page = await owner.get('/v1/policies?limit=1');
    const stolen = await intruder.get(
      `/v1/policies?limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`,
    );
    expect(stolen.status).toBe(400);
  });

  it('can reuse the other tenant\u2019s names, which are unique per tenant only', async () => {
    expect((await intruder.post('/v1/policies', policyBody({ name: 'secret-policy' }))).status).toBe(201);
    expect((await intruder.post('/v1/clusters', api.clusterBody({ name: 'secret-cluster' }))).status).toBe(
      201,
    );
  });

  it('leaves the owner\u2019s resources untouched', async () => {
    expect((await owner.get(`/v1/policies/${ids.policy}`)).body.version).toBe(1);
    expect((await owner.get(`/v1/clusters/${ids.cluster}`)).body.name).toBe('secret-cluster');
    expect((await owner.get('/v1/exclusions')).body.items).toHaveLength(1);
  });
});
