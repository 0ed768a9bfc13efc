import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, creating one policy', async () => {
    const body = policyBody({ name: 'once' });
    const first = await admin.post('/v1/policies', body, { 'idempotency-key': 'create-once-1' });
    const second = await admin.post('/v1/policies', body, { 'idempotency-key': 'create-once-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    const names = (await admin.get('/v1/policies')).body.items.map((policy: { name: string }) => policy.name);
    expect(names.filter((name: string) => name === 'once')).toHaveLength(1);
  });

  it('refuses the same key with another body with 422', async () => {
    await admin.post('/v1/policies', policyBody({ name: 'a' }), { 'idempotency-key': 'key-2' });
    const reused = await admin.post('/v1/policies', policyBody({ name: 'b' }), {
      'idempotency-key': 'key-2',
    });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('urn:pve-snapshots:problem:idempotency-key-reused');
  });

  it('frees the key after a rejected request so a corrected retry can use it', async () => {
    const bad = await admin.post('/v1/policies', policyBody({ name: '' }), { 'idempotency-key': 'key-3' });
    expect(bad.status).toBe(400);
    const good = await admin.post('/v1/policies', policyBody({ name: 'fixed' }), {
      'idempotency-key': 'key-3',
    });
    expect(good.status).toBe(201);
  });

  it('scopes keys per tenant', async () => {
    const other = await api.as('other', 'admin');
    await admin.post('/v1/policies', policyBody({ name: 'same-key' }), { 'idempotency-key': 'shared-key' });
    const response = await other.post('/v1/policies', policyBody({ name: 'other-name' }), {
      'idempotency-key': 'shared-key',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('idempotent-replayed')).toBeNull();
  });

  it('rejects a malformed key', async () => {
    const response = await admin.post('/v1/policies', policyBody(), { 'idempotency-key': 'a'.repeat(256) });
    expect(response.status).toBe(400);
  });

  it('lets exactly one of two concurrent requests with one key run', async () => {
    const body = policyBody({ name: 'race' });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => admin.post('/v1/policies', body, { 'idempotency-key': 'race-key' })),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    expect(statuses).toContain(201);
    const created = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(created.size).toBe(1);
  });
});
