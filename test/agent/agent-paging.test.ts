import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeClusterState } from '#shared/local/proxmox-simulator/model.ts';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';
import { agentCluster, announced, startAgent } from './agent-support.ts';

const GUESTS = 10_000;
let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi({
    simulatorState: largeClusterState(4, GUESTS),
    env: { AGENT_OFFLINE_AFTER_SECONDS: '60' },
  });
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

describe('a large answer through the agent', () => {
  it('carries the inventory of 10,000 guests in pages under 128 KB, whole', {
    timeout: 300_000,
  }, async () => {
    const { clusterId, key } = await agentCluster(admin, 'lab-large');
    const agent = await startAgent(api, key);
    try {
      await announced(api, 'acme', clusterId);
      const synced = await admin.post(`/v1/clusters/${clusterId}/sync`);
      expect(synced.status).toBe(200);
      const onProxmox = api.simulator.sim.state.guests.length;
      expect(onProxmox).toBeGreaterThanOrEqual(GUESTS);
      expect(synced.body).toMatchObject({ total: onProxmox, added: onProxmox });
      const guests = await api.runtime.store.guests.allOfCluster('acme', clusterId);
      expect(new Set(guests.map((guest) => guest.vmid)).size).toBe(onProxmox);
      // One inventory command, answered in pages (each message within the gateway's 128 KB
      // limit); the sync's backup discovery adds its own small commands.
      const done = agent.lines
        .map((line) => JSON.parse(line))
        .filter((line) => line.message === 'command done');
      expect(done.filter((line) => line.type === 'listGuests')).toHaveLength(1);
    } finally {
      await agent.stop();
    }
  });
});
