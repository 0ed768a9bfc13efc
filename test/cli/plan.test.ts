import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { cliRunner } from './cli-harness.ts';

/** `pvesnap plan`: the service operator's view and change of a tenant's plan, against the real local service. */

let api: TestApi;
let asOperator: ReturnType<typeof cliRunner>['run'];
let asTenantAdmin: ReturnType<typeof cliRunner>['run'];

beforeAll(async () => {
  api = await startTestApi();
  asOperator = cliRunner({
    env: { PVESNAP_URL: api.url, PVESNAP_TOKEN: await api.runtime.operatorToken('ops-carol') },
  }).run;
  asTenantAdmin = cliRunner({
    env: { PVESNAP_URL: api.url, PVESNAP_TOKEN: await api.runtime.token('planco', 'admin') },
  }).run;
  // The tenant comes into being with its first request.
  expect((await asTenantAdmin(['settings', 'get'])).code).toBe(0);
});
afterAll(() => api.stop());

describe('pvesnap plan', () => {
  it('shows a tenant\u2019s plan and puts it on another, audited as the operator', async () => {
    const shown = await asOperator(['plan', 'show', 'planco', '-o', 'json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toEqual({ tenantId: 'planco', plan: 'standard' });

    const set = await asOperator(['plan', 'set', 'planco', 'free']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^plan:\s+free$/m);
    expect(set.stdout).toMatch(/^previous:\s+standard$/m);
    expect((await asOperator(['plan', 'show', 'planco', '-o', 'json'])).json().plan).toBe('free');

    const settings = await asTenantAdmin(['settings', 'get', '-o', 'json']);
    expect(settings.json().plan).toBe('free');
    const admin = await api.as('planco', 'admin');
    expect((await admin.get('/v1/audit?action=tenant.set-plan')).body.items).toEqual([
      expect.objectContaining({
        actor: 'operator:ops-carol',
        before: { plan: 'standard' },
        after: { plan: 'free' },
      }),
    ]);
  });

  it('exits with the API\u2019s refusal: unknown plan 3, unknown tenant 2, a tenant token 4', async () => {
    const unknownPlan = await asOperator(['plan', 'set', 'planco', 'platinum']);
    expect(unknownPlan.code).toBe(3);
    expect(unknownPlan.stderr).toContain('plan must be one of free, standard, dedicated');
    expect((await asOperator(['plan', 'show', 'nobody-yet'])).code).toBe(2);
    const tenantToken = await asTenantAdmin(['plan', 'set', 'planco', 'dedicated']);
    expect(tenantToken.code).toBe(4);
    expect(tenantToken.stderr).toContain('operator');
    expect((await asOperator(['plan', 'show', 'planco', '-o', 'json'])).json().plan).toBe('free');
  });

  it('needs both arguments', async () => {
    const missing = await asOperator(['plan', 'set', 'planco']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("missing required argument 'plan'");
  });
});
