import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({
    env: { DEFAULT_PLAN: 'free', TENANT_PLANS: JSON.stringify({ free: { timezone: 'Europe/Berlin' } }) },
  });
});
afterAll(() => api.stop());

describe('a deployment whose default plan is free', () => {
  it('starts a new tenant on free, with that plan\u2019s defaults and gates', async () => {
    const admin = await api.as('newcomer', 'admin');
    const settings = (await admin.get('/v1/settings')).body;
    expect(settings).toMatchObject({ plan: 'free', timezone: 'Europe/Berlin' });
    expect((await admin.get('/v1/usage')).body.plan).toBe('free');
    const refused = await admin.post(
      '/v1/policies',
      policyBody({ kind: 'backup', backup: { storage: 'local' }, selector: { all: true } }),
    );
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ plan: 'free', feature: 'backups' });
    const operatorOfService = await api.asOperator('ops-bob');
    expect((await operatorOfService.get('/operator/tenants/newcomer/plan')).body.plan).toBe('free');
  });
});
