import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '#shared/local/data-dir.ts';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateSigningKey, mintToken } from '#shared/local/jwt.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

async function foreignToken(
  claims: Record<string, unknown>,
  options: { issuer?: string; audience?: string; expiresIn?: string } = {},
) {
  const { privateKey } = await generateKeyPair('ES256');
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(options.issuer ?? LOCAL_ISSUER)
    .setAudience(options.audience ?? LOCAL_AUDIENCE)
    .setSubject('mallory')
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(privateKey);
}

describe('authentication, as API Gateway\u2019s JWT authorizer does it', () => {
  it('serves health, the OpenAPI document and the docs without a token', async () => {
    const anonymous = api.raw();
    expect((await anonymous.get('/v1/health')).body).toMatchObject({ status: 'ok' });
    const doc = await anonymous.get('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/policies',
        '/v1/policies/{policyId}',
        '/v1/policies/{policyId}/next-runs',
        '/v1/clusters',
        '/v1/exclusions',
        '/v1/audit',
      ]),
    );
    expect(doc.body.components.schemas.PolicySpec.properties.schedule).toBeDefined();
    expect((await anonymous.get('/docs')).text).toContain('<title>');
  });

  it('answers 401 without a token, with a token signed by another key, and with an expired token', async () => {
    expect((await api.raw().get('/v1/policies')).status).toBe(401);
    expect((await api.raw('Basic YWRtaW46YWRtaW4=').get('/v1/policies')).status).toBe(401);
    const forged = await foreignToken({ tenant: 'acme', role: 'admin' });
    expect((await api.raw(`Bearer ${forged}`).get('/v1/policies')).status).toBe(401);
    const key = await loadOrCreateSigningKey(dataPaths(api.runtime.dataDir).jwtKey);
    const valid = await mintToken(key, { tenant: 'acme', role: 'admin', subject: 'a', ttlSeconds: 60 });
    const expired = await mintToken(key, { tenant: 'acme', role: 'admin', subject: 'a', ttlSeconds: -60 });
    const otherAudience = await mintToken(key, {
      tenant: 'acme',
      role: 'admin',
      subject: 'a',
      ttlSeconds: 60,
      audience: 'another-api',
    });
    expect((await api.raw(`Bearer ${valid}`).get('/v1/policies')).status).toBe(200);
    expect((await api.raw(`Bearer ${valid.slice(0, -3)}abc`).get('/v1/policies')).status).toBe(401);
    expect((await api.raw(`Bearer ${expired}`).get('/v1/policies')).status).toBe(401);
    expect((await api.raw(`Bearer ${otherAudience}`).get('/v1/policies')).status).toBe(401);
  });

  it('answers 403 when a verified token lacks a valid tenant or role', async () => {
    // Tokens from the runtime's own key, but with claims the API does not accept.
    const noRole = await api.runtime.token('acme', 'superuser');
    expect((await api.raw(`Bearer ${noRole}`).get('/v1/policies')).status).toBe(403);
    const badTenant = await api.runtime.token('ACME!', 'admin');
    expect((await api.raw(`Bearer ${badTenant}`).get('/v1/policies')).status).toBe(403);
  });
});

describe('request conventions', () => {
  it('answers an unknown route with a 404 problem document', async () => {
    const response = await admin.get('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('rejects a body that is not JSON with 415, and malformed JSON with 400', async () => {
    const wrongType = await admin.request('POST', '/v1/policies', {
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    const malformed = await admin.request('POST', '/v1/policies', {
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].rule).toBe('json.syntax');
  });

  it('rejects a body over 1 MiB with 413', async () => {
    const response = await admin.post(
      '/v1/policies',
      policyBody({ description: 'x'.repeat(1024 * 1024 + 1) }),
    );
    expect(response.status).toBe(413);
    expect((await admin.get('/v1/policies')).body.items).toEqual([]);
  });

  it('rejects a malformed id in a path with 400', async () => {
    const response = await admin.get('/v1/policies/not-an-id');
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path: 'path.policyId' }));
  });

  it('tags every response with a request id that also appears in the logs', async () => {
    const response = await admin.get('/v1/policies');
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    expect(api.logs.some((line) => line.includes(requestId as string))).toBe(true);
  });
});
