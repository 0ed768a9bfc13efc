import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '#shared/local/data-dir.ts';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';
import { announced, startAgent } from './agent-support.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi({ env: { AGENT_OFFLINE_AFTER_SECONDS: '10' } });
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

/** Names of the secrets in the local secret store (each file records its name beside the sealed value). */
async function storedSecretNames(): Promise<string[]> {
  const dir = dataPaths(api.runtime.dataDir).secrets;
  const files = await readdir(dir).catch(() => []);
  return await Promise.all(
    files.map(async (file) => (JSON.parse(await readFile(join(dir, file), 'utf8')) as { name: string }).name),
  );
}

const sync = async (clusterId: string) => (await admin.post(`/v1/clusters/${clusterId}/sync`)).status;

describe('switching how a cluster is reached', () => {
  it('moves a direct cluster to its agent (the stored token deleted) and back (checked, stored again)', {
    timeout: 60_000,
  }, async () => {
    const registered = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab-switch' }));
    expect(registered.status).toBe(201);
    const clusterId = registered.body.id as string;
    const secretName = `acme/${clusterId}`;
    expect(await storedSecretNames()).toContain(secretName);
    expect(await sync(clusterId)).toBe(200);

    // Details for an agent cluster are refused, and nothing changes.
    const confused = await admin.patch(`/v1/clusters/${clusterId}`, {
      connection: 'agent',
      url: 'https://x:8006',
    });
    expect(confused.status).toBe(400);
    expect((await api.runtime.store.clusters.get('acme', clusterId))?.connection).toBeUndefined();

    const toAgent = await admin.patch(`/v1/clusters/${clusterId}`, { connection: 'agent' });
    expect(toAgent.status).toBe(200);
    expect(toAgent.body).toMatchObject({ connection: 'agent' });
    expect(toAgent.body).not.toHaveProperty('url');
    const stored = await api.runtime.store.clusters.get('acme', clusterId);
    expect(stored?.secretRef).toBeUndefined();
    expect(await storedSecretNames()).not.toContain(secretName);

    const key = await admin.post(`/v1/clusters/${clusterId}/agent-keys`, { name: 'after-switch' });
    expect(key.status).toBe(201);
    const agent = await startAgent(api, key.body.key);
    try {
      await announced(api, 'acme', clusterId);
      expect(await sync(clusterId)).toBe(200);
      expect(agent.executed.size).toBeGreaterThan(0);
    } finally {
      await agent.stop();
    }

    // Back to direct: the details are required, checked against the cluster, then stored.
    const incomplete = await admin.patch(`/v1/clusters/${clusterId}`, { connection: 'direct' });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'tokenId',
      'tokenSecret',
      'url',
    ]);
    const { name: _name, ...details } = api.clusterBody();
    const wrongToken = await admin.patch(`/v1/clusters/${clusterId}`, {
      connection: 'direct',
      ...details,
      tokenSecret: '00000000-0000-0000-0000-000000000000',
    });
    expect(wrongToken.status).toBeGreaterThanOrEqual(400);
    expect((await api.runtime.store.clusters.get('acme', clusterId))?.connection).toBe('agent');

    const toDirect = await admin.patch(`/v1/clusters/${clusterId}`, { connection: 'direct', ...details });
    expect(toDirect.status).toBe(200);
    expect(toDirect.body).not.toHaveProperty('connection');
    expect(toDirect.body.url).toBe(details.url);
    expect((await api.runtime.store.clusters.get('acme', clusterId))?.secretRef).toBeDefined();
    expect(await storedSecretNames()).toContain(secretName);
    // No agent runs now: the sync succeeds, so it went directly.
    expect(await sync(clusterId)).toBe(200);
  });
});
