import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('patch-keeps', 'admin');
});
afterAll(() => api.stop());

describe('a policy patch', () => {
  it('keeps the fields it does not name: the RPO and the storage guard', async () => {
    const created = await admin.post(
      '/v1/policies',
      policyBody({ rpo: 1500, storageGuard: { thresholdPercent: 80 } }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ rpo: 1500, storageGuard: { thresholdPercent: 80 } });
    const patched = await admin.patch(`/v1/policies/${created.body.id}`, { description: 'renamed nothing' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      description: 'renamed nothing',
      rpo: 1500,
      storageGuard: { thresholdPercent: 80 },
    });
  });
});
