import { generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '#shared/local/data-dir.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateSigningKey } from '#shared/local/jwt.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let viewer: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  viewer = await api.as('acme', 'viewer');
});
afterAll(() => api.stop());

/** A token signed with the runtime's own key, carrying exactly these claims. */
type SigningInput = Parameters<SignJWT['sign']>[0];

async function tokenWith(claims: Record<string, unknown>, key?: SigningInput) {
  const signingKey = await loadOrCreateSigningKey(dataPaths(api.runtime.dataDir).jwtKey);
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: signingKey.privateJwk.kid ?? 'local-1' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject('mallory')
    .setExpirationTime('1h')
    .sign(key ?? ((await importJWK(signingKey.privateJwk, 'ES256')) as SigningInput));
}

const deniedEvents = async () =>
  (await admin.get('/v1/audit?outcome=denied&limit=200')).body.items as Array<Record<string, unknown>>;

describe('authorization before validation', () => {
  it('answers a viewer posting an invalid body to an admin route with 403 naming the role, audited as denied', async () => {
    const before = (await deniedEvents()).length;
    const response = await viewer.post('/v1/policies', { name: 42, bogus: true });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      type: 'urn:pve-snapshots:problem:forbidden',
      requiredRole: 'admin',
      detail: 'policy.create needs the admin role (or higher); your role is viewer',
    });
    expect(response.body).not.toHaveProperty('errors');
    const denied = await deniedEvents();
    expect(denied).toHaveLength(before + 1);
    expect(denied[0]).toMatchObject({
      action: 'policy.create',
      resourceType: 'policy',
      role: 'viewer',
      outcome: 'denied',
    });
  });

  it('refuses a body a viewer may not send before reading it: malformed, oversized or not JSON all get 403', async () => {
    for (const [body, type] of [
      ['{"name":', 'application/json'],
      [`{"d":"${'x'.repeat(1024 * 1024 + 10)}"}`, 'application/json'],
      ['name=x', 'text/plain'],
      ['', 'application/json'],
    ]) {
      const response = await viewer.request('POST', '/v1/policies', {
        body,
        headers: { 'content-type': type as string },
      });
      expect(response.status).toBe(403);
    }
  });

  it('names the resource of a denied change on an existing resource', async () => {
    const policy = await admin.post('/v1/policies', policyBody());
    const operator = await api.as('acme', 'operator');
    const response = await operator.patch(`/v1/policies/${policy.body.id}`, { retention: 'not an object' });
    expect(response.status).toBe(403);
    expect(response.body.requiredRole).toBe('admin');
    expect((await deniedEvents())[0]).toMatchObject({
      action: 'policy.update',
      resourceType: 'policy',
      resourceId: policy.body.id,
      role: 'operator',
    });
    const run = await viewer.post(`/v1/policies/${policy.body.id}/runs`);
    expect(run.status).toBe(403);
    expect(run.body.requiredRole).toBe('operator');
  });

  it('lets a viewer read the compliance report and statistics, and keeps the dry run to operators', async () => {
    const policy = await admin.post('/v1/policies', policyBody());
    expect((await viewer.get('/v1/reports/compliance')).status).toBe(200);
    expect((await viewer.get('/v1/reports/compliance?format=csv')).status).toBe(200);
    expect((await viewer.get('/v1/stats')).status).toBe(200);
    const dryRun = await viewer.post(`/v1/policies/${policy.body.id}/dry-run`);
    expect(dryRun.status).toBe(403);
    expect(dryRun.body.requiredRole).toBe('operator');
    expect((await deniedEvents())[0]).toMatchObject({
      action: 'policy.dry-run',
      role: 'viewer',
      outcome: 'denied',
    });
    expect(
      (await (await api.as('acme', 'operator')).post(`/v1/policies/${policy.body.id}/dry-run`)).status,
    ).toBe(200);
  });

  it('never replays another role\u2019s idempotent response to a viewer', async () => {
    const key = { 'idempotency-key': 'create-webhook-1' };
    const body = { kind: 'webhook', target: 'http://127.0.0.1:9/hook' };
    const created = await admin.post('/v1/subscriptions', body, key);
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const replayed = await viewer.post('/v1/subscriptions', body, key);
    expect(replayed.status).toBe(403);
    expect(replayed.text).not.toContain(created.body.secret);
  });
});

describe('token claims', () => {
  it.each([
    ['null', { tenant: null, role: 'admin' }],
    ['a number', { tenant: 12345, role: 'admin' }],
    ['true', { tenant: true, role: 'admin' }],
    ['an object', { tenant: { id: 'acme' }, role: 'admin' }],
    ['a role that is a number', { tenant: 'acme', role: 3 }],
  ])('refuses a tenant or role claim that is %s at the gateway, and logs why', async (_, claims) => {
    const token = await tokenWith(claims);
    const response = await api.raw(`Bearer ${token}`).get('/v1/policies');
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ message: 'Forbidden' });
    const line = api.logs.findLast((entry) => entry.includes('gateway refused the request'));
    expect(line).toContain('not a string');
    expect(line).not.toContain(token);
  });

  it.each(['null', '12345', 'true', 'false', '1e-7'])(
    'refuses the tenant id %s (the stringified form API Gateway passes on) with 403',
    async (tenant) => {
      const token = await api.runtime.token(tenant, 'admin');
      const response = await api.raw(`Bearer ${token}`).get('/v1/policies');
      expect(response.status).toBe(403);
      expect(response.body.detail).toContain("'tenant' claim must be a tenant id");
    },
  );

  it('still accepts tenant ids with digits', async () => {
    const token = await api.runtime.token('team-42', 'viewer');
    expect((await api.raw(`Bearer ${token}`).get('/v1/policies')).status).toBe(200);
  });
});

describe('logging refusals', () => {
  it('logs every 401 and 403 at info with the reason, never the token', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await tokenWith({ tenant: 'acme', role: 'admin' }, privateKey);
    const viewerToken = await api.runtime.token('acme', 'viewer');
    const badRole = await api.runtime.token('acme', 'superuser');
    const from = api.logs.length;
    expect((await api.raw().get('/v1/policies')).status).toBe(401);
    expect((await api.raw('Basic YWRtaW46YWRtaW4=').get('/v1/policies')).status).toBe(401);
    expect((await api.raw(`Bearer ${forged}`).get('/v1/policies')).status).toBe(401);
    expect((await api.raw(`Bearer ${badRole}`).get('/v1/policies')).status).toBe(403);
    expect(
      (await api.raw(`Bearer ${viewerToken}`).delete('/v1/clusters/cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2')).status,
    ).toBe(403);
    const lines = api.logs.slice(from).map((line) => JSON.parse(line));
    const refusals = lines.filter(
      (line) => line.message === 'gateway refused the request' || line.message === 'request refused',
    );
    expect(refusals.map((line) => [line.level, line.status])).toEqual([
      ['INFO', 401],
      ['INFO', 401],
      ['INFO', 401],
      ['INFO', 403],
      ['INFO', 403],
    ]);
    expect(refusals.map((line) => line.reason)).toEqual([
      'no Authorization header',
      'the Authorization header is not a Bearer token',
      'signature verification failed',
      "the token's 'role' claim must be viewer, operator or admin",
      'cluster.delete needs the admin role (or higher); your role is viewer',
    ]);
    const text = api.logs.slice(from).join('\n');
    for (const token of [forged, viewerToken, badRole]) expect(text).not.toContain(token);
  });
});
