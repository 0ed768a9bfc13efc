import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

/** POST /v1/policies/validate: a draft checked as it would be created, with nothing written. */

let api: TestApi;
let viewer: Caller;
let admin: Caller;
beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('drafts', 'admin');
  expect((await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).status).toBe(201);
  viewer = await api.as('drafts', 'viewer');
});
afterAll(() => api.stop());

describe('POST /v1/policies/validate', () => {
  it('answers the next runs of a draft that passes, in its zone, and writes nothing', async () => {
    api.setNow(Date.parse('2026-03-27T12:00:00Z'));
    try {
      const response = await viewer.post(
        '/v1/policies/validate?count=2',
        policyBody({ name: 'draft', schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' } }),
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        timezone: 'Europe/Berlin',
        enabled: true,
        runs: [
          { at: '2026-03-28T01:30:00.000Z', local: '2026-03-28T02:30:00+01:00' },
          { at: '2026-03-30T00:30:00.000Z', local: '2026-03-30T02:30:00+02:00' },
        ],
      });
    } finally {
      api.setNow(Date.now());
    }
    expect((await viewer.get('/v1/policies')).body.items).toEqual([]);
    const audit = await admin.get('/v1/audit?action=policy.create');
    expect(audit.body.items).toEqual([]);
  });

  it('names every rule the schedule and selector break, on their fields (400)', async () => {
    const response = await viewer.post(
      '/v1/policies/validate',
      policyBody({ schedule: { cron: '0 0 31 2 *', timezone: 'Mars/Olympus' }, selector: {} }),
    );
    expect(response.status).toBe(400);
    const paths = response.body.errors.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['schedule.cron', 'schedule.timezone', 'selector']));
    expect(
      response.body.errors.find((issue: { path: string }) => issue.path === 'schedule.cron').message,
    ).toContain('February');
  });

  it('names a guest the inventory does not know (422), and accepts one it knows as cluster/vmid', async () => {
    const unknown = await viewer.post(
      '/v1/policies/validate',
      policyBody({ selector: { guests: ['lab/100', 'lab/999'] } }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'selector.guests.1' })]);
    const known = await viewer.post(
      '/v1/policies/validate',
      policyBody({ selector: { guests: ['lab/100'] } }),
    );
    expect(known.status).toBe(200);
  });

  it('takes the tenant\u2019s time zone when the draft names none, as creating does', async () => {
    expect((await admin.patch('/v1/settings', { timezone: 'Asia/Tokyo' })).status).toBe(200);
    const response = await viewer.post(
      '/v1/policies/validate',
      policyBody({ schedule: { cron: '0 3 * * *' } }),
    );
    expect(response.status).toBe(200);
    expect(response.body.timezone).toBe('Asia/Tokyo');
    expect(response.body.runs[0].local).toMatch(/T03:00:00\+09:00$/);
  });

  it('refuses what the tenant\u2019s plan does not allow (403), as creating would', async () => {
    const tenant = 'drafts-free';
    const freeAdmin = await api.as(tenant, 'admin');
    expect((await freeAdmin.get('/v1/settings')).status).toBe(200);
    const operator = await api.asOperator('ops');
    expect(
      (await operator.request('PUT', `/operator/tenants/${tenant}/plan`, { body: { plan: 'free' } })).status,
    ).toBe(200);
    const response = await freeAdmin.post(
      '/v1/policies/validate',
      policyBody({ schedule: { cron: '*/5 * * * *', timezone: 'UTC' } }),
    );
    expect(response.status).toBe(403);
    expect(response.body.type).toBe('urn:pve-snapshots:problem:plan-feature-missing');
  });
});
