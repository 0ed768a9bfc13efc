import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startWebhookReceiver } from '#test/support/notification-receivers.ts';
import { agentCluster, announced, startAgent } from './agent-support.ts';

let api: TestApi;
let admin: Caller;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  api = await startTestApi({ env: { AGENT_OFFLINE_AFTER_SECONDS: '3' } });
  admin = await api.as('acme', 'admin');
  hooks = await startWebhookReceiver();
  const subscribed = await admin.post('/v1/subscriptions', {
    kind: 'webhook',
    target: hooks.url('/agent'),
    filters: { types: ['agent.offline'] },
  });
  if (subscribed.status !== 201) throw new Error(subscribed.text);
});
afterAll(async () => {
  await api.stop();
  await hooks.stop();
});

async function runToEnd(policyId: string): Promise<any> {
  const started = await admin.post(`/v1/policies/${policyId}/runs`);
  expect(started.status).toBe(202);
  await api.runtime.workflows.drain();
  await api.runtime.notifications.idle();
  return (await admin.get(`/v1/runs/${started.body.id}`)).body;
}

const offlineEvents = (clusterId: string) =>
  hooks.received.filter((hook) => {
    const event = JSON.parse(hook.body);
    return hook.status === 200 && event.type === 'agent.offline' && event.data.clusterId === clusterId;
  });

describe('an agent that goes away', () => {
  it('fails the commands it cannot take with AgentOfflineError, says so per guest, publishes one event, and resumes once restarted', {
    timeout: 180_000,
  }, async () => {
    const { clusterId, key } = await agentCluster(admin, 'lab-kill');
    const first = await startAgent(api, key);
    await announced(api, 'acme', clusterId);
    expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    await first.stop();
    // Killed between runs and kept away for the whole run (process gone: no reconnect).
    const policy = (await admin.post('/v1/policies', policyBody({ selector: { tags: ['prod'] } }))).body;
    const run = await runToEnd(policy.id);
    expect(run.status).toBe('failed');
    const failed = run.results.filter((r: { outcome: string }) => r.outcome === 'failed');
    expect(failed.length).toBe(run.targets);
    for (const result of failed) {
      expect(result.errorType).toBe('AgentOfflineError');
      expect(result.error).toMatch(/^agent for cluster lab-kill offline since \d{4}-\d\d-\d\dT/);
    }
    expect(offlineEvents(clusterId)).toHaveLength(1);
    expect(JSON.parse(offlineEvents(clusterId)[0]?.body ?? '{}').data).toMatchObject({
      clusterId,
      clusterName: 'lab-kill',
    });

    const restarted = await startAgent(api, key);
    try {
      await announced(api, 'acme', clusterId);
      const again = await runToEnd(policy.id);
      expect(again).toMatchObject({ status: 'succeeded', failed: 0 });
      expect(offlineEvents(clusterId)).toHaveLength(1);
    } finally {
      await restarted.stop();
    }
  });

  it('killed in the middle of a run: the rest fails offline, and one event for the episode', {
    timeout: 180_000,
  }, async () => {
    const { clusterId, key } = await agentCluster(admin, 'lab-midrun');
    let killed = false;
    const agent = await startAgent(api, key, {
      onExecuted: (_id, count) => {
        // After the inventory and the first few commands of the run: the process dies.
        if (count === 3 && !killed) {
          killed = true;
          void agent.stop();
        }
      },
    });
    await announced(api, 'acme', clusterId);
    const policy = (await admin.post('/v1/policies', policyBody({ selector: { tags: ['prod'] } }))).body;
    await admin.post(`/v1/clusters/${clusterId}/sync`);
    const run = await runToEnd(policy.id);
    expect(killed).toBe(true);
    expect(['failed', 'partially_failed']).toContain(run.status);
    const offline = run.results.filter((r: { errorType?: string }) => r.errorType === 'AgentOfflineError');
    expect(offline.length).toBeGreaterThan(0);
    expect(offlineEvents(clusterId)).toHaveLength(1);
  });

  it('runs a command once when the connection drops between command and answer; the answer is replayed', async () => {
    const { clusterId, key } = await agentCluster(admin, 'lab-drop');
    let dropped = false;
    const agent = await startAgent(api, key, {
      onExecuted: () => {
        // The command ran; its answer is lost with the connection. The agent reconnects and the
        // service sends the command again: it must be answered from memory.
        if (!dropped) {
          dropped = true;
          agent.agent.drop();
        }
      },
    });
    try {
      await announced(api, 'acme', clusterId);
      const synced = await admin.post(`/v1/clusters/${clusterId}/sync`);
      expect(synced.status).toBe(200);
      expect(dropped).toBe(true);
      expect([...agent.executed.values()].every((count) => count === 1)).toBe(true);
      expect(agent.lines.some((line) => line.includes('answering it again from memory'))).toBe(true);
    } finally {
      await agent.stop();
    }
  });

  it('refuses and audits an answer to a command the agent was never sent, or another tenant’s command', {
    timeout: 60_000,
  }, async () => {
    const ours = await agentCluster(admin, 'lab-forge');
    const otherAdmin = await api.as('globex', 'admin');
    const theirs = await agentCluster(otherAdmin, 'lab-theirs');
    const victim = await startAgent(api, theirs.key);
    const ws = new WebSocket(api.runtime.agentUrl, { headers: { authorization: `Bearer ${ours.key}` } });
    const opened = new Promise((resolve) => ws.on('open', resolve));
    try {
      await announced(api, 'globex', theirs.clusterId);
      // A pending command of the other tenant: the sync waits for its agent's answer.
      const pending = otherAdmin.post(`/v1/clusters/${theirs.clusterId}/sync`);
      await opened;
      ws.send(JSON.stringify({ type: 'hello', version: '1.0.0', commands: ['listGuests'] }));
      ws.send(JSON.stringify({ type: 'answer', id: 'cmd_01M8PGJN9JZ2D39Q2MDQ5BBMQC', result: [] }));
      expect((await pending).body.total).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const audit = (await admin.get('/v1/audit')).body.items;
      expect(audit).toContainEqual(
        expect.objectContaining({
          action: 'agent.answer',
          outcome: 'denied',
          resourceId: 'cmd_01M8PGJN9JZ2D39Q2MDQ5BBMQC',
        }),
      );
    } finally {
      ws.close();
      await victim.stop();
    }
  });

  it('refuses a command an old agent does not support, with a clear error', async () => {
    const { clusterId, key } = await agentCluster(admin, 'lab-old');
    const agent = await startAgent(api, key, { version: '0.9.0', commands: ['version', 'listSnapshots'] });
    try {
      await announced(api, 'acme', clusterId);
      const synced = await admin.post(`/v1/clusters/${clusterId}/sync`);
      expect(synced.status).toBe(422);
      expect(synced.body.type).toMatch(/agent-outdated$/);
      expect(synced.body.detail).toBe(
        "the agent for cluster lab-old (version 0.9.0) does not support the command 'listGuests'; update the agent",
      );
      expect(agent.executed.size).toBe(0);
    } finally {
      await agent.stop();
    }
  });
});
