import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

const KEEP = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

describe('concurrent changes without If-Match', () => {
  it('applies every concurrent merge patch of a policy: all succeed and the policy has every change', async () => {
    const created = await admin.post('/v1/policies', policyBody({ retention: {} }));
    const id = created.body.id as string;
    const responses = await Promise.all(
      KEEP.map((option, index) => admin.patch(`/v1/policies/${id}`, { retention: { [option]: index + 1 } })),
    );
    expect(responses.map((response) => response.status)).toEqual(KEEP.map(() => 200));
    const final = await admin.get(`/v1/policies/${id}`);
    expect(final.body.retention).toEqual(
      Object.fromEntries(KEEP.map((option, index) => [option, index + 1])),
    );
    expect(final.body.version).toBe(1 + KEEP.length);
    const audit = await admin.get(`/v1/audit?resourceType=policy&resourceId=${id}&action=policy.update`);
    expect(audit.body.items).toHaveLength(KEEP.length);
  });

  it('applies concurrent changes of a cluster and a delete racing them', async () => {
    const created = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
    const id = created.body.id as string;
    const names = ['lab-a', 'lab-b', 'lab-c', 'lab-d'];
    const responses = await Promise.all(names.map((name) => admin.patch(`/v1/clusters/${id}`, { name })));
    expect(responses.map((response) => response.status)).toEqual(names.map(() => 200));
    const final = await admin.get(`/v1/clusters/${id}`);
    expect(final.body.version).toBe(1 + names.length);
    expect(names).toContain(final.body.name);
    // The names the cluster no longer has are free again.
    for (const name of names.filter((name) => name !== final.body.name))
      expect((await admin.post('/v1/clusters', api.clusterBody({ name }))).status).toBe(201);

    const [renamed, deleted] = await Promise.all([
      admin.patch(`/v1/clusters/${id}`, { name: 'lab-last' }),
      admin.delete(`/v1/clusters/${id}`),
    ]);
    expect(deleted.status).toBe(204);
    // The rename happened before the delete, or found the cluster gone; never a 412.
    expect([200, 404]).toContain(renamed.status);
    expect((await admin.get(`/v1/clusters/${id}`)).status).toBe(404);
  });

  it('answers 412 to the requests whose If-Match went stale while they raced', async () => {
    const created = await admin.post('/v1/policies', policyBody({ retention: {} }));
    const id = created.body.id as string;
    const responses = await Promise.all(
      KEEP.map((option) =>
        admin.patch(
          `/v1/policies/${id}`,
          { retention: { [option]: 1 } },
          { 'if-match': created.headers.get('etag') ?? '' },
        ),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(KEEP.length - 1);
    expect((await admin.get(`/v1/policies/${id}`)).body.version).toBe(2);
  });
});
