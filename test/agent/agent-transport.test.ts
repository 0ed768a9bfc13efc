import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseAgentKey } from '#shared/domain/agent/agent-key.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { agentCluster, announced, startAgent } from './agent-support.ts';

/** The key's secret part (base64url may itself contain `_`, so it is parsed, not split). */
const secretOf = (key: string) => parseAgentKey(key)?.secret ?? key;

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi({ env: { AGENT_OFFLINE_AFTER_SECONDS: '10' } });
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

const snapshotNames = (vmid: number) =>
  (api.simulator.sim.state.guests.find((guest) => guest.vmid === vmid)?.snapshots ?? []).map((s) => s.name);

describe('a cluster reached through its agent', () => {
  it('syncs, runs a policy and restores a snapshot through the agent; the service stores no Proxmox secret', {
    timeout: 90_000,
  }, async () => {
    const { clusterId, key } = await agentCluster(admin, 'lab-agent');
    const cluster = (await admin.get(`/v1/clusters/${clusterId}`)).body;
    expect(cluster).toMatchObject({ connection: 'agent' });
    expect(cluster).not.toHaveProperty('url');
    const stored = await api.runtime.store.clusters.get('acme', clusterId);
    expect(stored?.secretRef).toBeUndefined();
    const agent = await startAgent(api, key);
    try {
      await announced(api, 'acme', clusterId);
      const synced = await admin.post(`/v1/clusters/${clusterId}/sync`);
      expect(synced.status).toBe(200);
      expect(synced.body.total).toBeGreaterThan(0);

      const policy = (await admin.post('/v1/policies', policyBody({ selector: { tags: ['prod'] } }))).body;
      const started = await admin.post(`/v1/policies/${policy.id}/runs`);
      expect(started.status).toBe(202);
      await api.runtime.workflows.drain();
      const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
      expect(run.results.filter((r: { outcome: string }) => r.outcome !== 'succeeded')).toEqual([]);
      expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
      expect(run.succeeded).toBeGreaterThan(0);
      const name = run.results[0].snapshotName as string;
      expect(snapshotNames(run.results[0].vmid)).toContain(name);

      const guestId = run.results[0].guestId as string;
      const restore = await admin.post(`/v1/guests/${guestId}/snapshots/${name}/restore`, {
        mode: 'in_place',
      });
      expect(restore.status).toBe(202);
      await api.runtime.workflows.drain();
      expect((await admin.get(`/v1/operations/${restore.body.id}`)).body.status).toBe('succeeded');
      expect(agent.executed.size).toBeGreaterThan(5);
      // Never the key in the agent's log lines.
      expect(agent.lines.join('\n')).not.toContain(key);
    } finally {
      await agent.stop();
    }
  });

  it('refuses a connection without a key or with a wrong one, and closes a revoked key’s connection at once', async () => {
    const { clusterId, key, keyId } = await agentCluster(admin, 'lab-revoke');
    const refused = async (headers: Record<string, string>) =>
      await new Promise<number>((resolve) => {
        const ws = new WebSocket(api.runtime.agentUrl, { headers });
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await refused({})).toBe(401);
    expect(await refused({ authorization: `Bearer ${key.slice(0, -4)}AAAA` })).toBe(401);

    const ws = new WebSocket(api.runtime.agentUrl, { headers: { authorization: `Bearer ${key}` } });
    await new Promise((resolve) => ws.on('open', resolve));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    expect((await admin.delete(`/v1/clusters/${clusterId}/agent-keys/${keyId}`)).status).toBe(204);
    expect(await closed).toBe(1008);
    expect(await refused({ authorization: `Bearer ${key}` })).toBe(401);
    const listed = (await admin.get(`/v1/clusters/${clusterId}/agent-keys`)).body.items;
    expect(listed).toEqual([expect.objectContaining({ id: keyId, revokedAt: expect.any(String) })]);
    expect(JSON.stringify(listed)).not.toContain(secretOf(key));
  });

  it('rotates with overlap: two keys valid at once, a third refused until one is revoked', async () => {
    const { clusterId } = await agentCluster(admin, 'lab-rotate');
    expect((await admin.post(`/v1/clusters/${clusterId}/agent-keys`, {})).status).toBe(201);
    const third = await admin.post(`/v1/clusters/${clusterId}/agent-keys`, {});
    expect(third.status).toBe(409);
    const operator = await api.as('acme', 'operator');
    expect((await operator.post(`/v1/clusters/${clusterId}/agent-keys`, {})).status).toBe(403);
  });

  it('refuses an agent cluster given connection details, and a direct cluster without them', async () => {
    const agentWithUrl = await admin.post('/v1/clusters', {
      name: 'bad-agent',
      connection: 'agent',
      url: 'https://pve.example.com:8006',
    });
    expect(agentWithUrl.status).toBe(400);
    expect(agentWithUrl.body.errors).toEqual([
      expect.objectContaining({ path: 'url', rule: 'cluster.agent-holds-connection' }),
    ]);
    const directWithout = await admin.post('/v1/clusters', { name: 'bad-direct' });
    expect(directWithout.status).toBe(400);
    expect(directWithout.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'tokenId',
      'tokenSecret',
      'url',
    ]);
  });
});
