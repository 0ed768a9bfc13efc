import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';
import { agentCluster, announced, startAgent } from './agent-support.ts';

let api: TestApi;
let admin: Caller;

// API Gateway's 10-minute idle and 2-hour duration limits, scaled down to seconds.
beforeAll(async () => {
  api = await startTestApi({
    env: {
      AGENT_GATEWAY_IDLE_SECONDS: '1',
      AGENT_GATEWAY_MAX_CONNECTION_SECONDS: '3',
      AGENT_MESSAGES_PER_SECOND: '5',
      AGENT_MESSAGE_BURST: '20',
    },
  });
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

const closes = (lines: string[]) =>
  lines
    .map((line) => JSON.parse(line) as { message: string; code?: number })
    .filter((line) => line.message === 'disconnected; reconnecting')
    .map((line) => line.code);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function firstClose(lines: string[]): Promise<number | undefined> {
  for (let waited = 0; waited < 15_000 && closes(lines).length === 0; waited += 50) await sleep(50);
  return closes(lines)[0];
}

describe('the local WebSocket gateway’s limits', () => {
  it('closes a connection that sends nothing for the idle timeout, as API Gateway does', {
    timeout: 30_000,
  }, async () => {
    const { key } = await agentCluster(admin, 'lab-silent');
    const agent = await startAgent(api, key, { pingMs: 60_000 });
    try {
      expect(await firstClose(agent.lines)).toBe(1001);
    } finally {
      await agent.stop();
    }
  });

  it('keeps a pinging agent past the idle timeout, ends it at the duration limit, and the agent comes back', {
    timeout: 30_000,
  }, async () => {
    const { clusterId, key } = await agentCluster(admin, 'lab-pinging');
    const agent = await startAgent(api, key, { pingMs: 300, maxConnectionMs: 60_000 });
    try {
      await announced(api, 'acme', clusterId);
      await sleep(2_000);
      // Twice the idle timeout and still the first connection.
      expect(closes(agent.lines)).toEqual([]);
      expect(await firstClose(agent.lines)).toBe(1001);
      await announced(api, 'acme', clusterId);
      expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    } finally {
      await agent.stop();
    }
  });

  it('closes a connection that floods messages beyond its rate limit, and audits it once', {
    timeout: 30_000,
  }, async () => {
    const { key } = await agentCluster(admin, 'lab-flood');
    const ws = new WebSocket(api.runtime.agentUrl, { headers: { authorization: `Bearer ${key}` } });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.on('open', resolve));
    for (let index = 0; index < 100; index++) ws.send(JSON.stringify({ type: 'ping' }));
    expect(await closed).toBe(1008);
    const refusals = (await admin.get('/v1/audit')).body.items.filter(
      (event: { outcome: string; reason?: string }) =>
        event.outcome === 'denied' && event.reason?.includes('faster than its rate limit'),
    );
    expect(refusals).toHaveLength(1);
  });
});
