import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { COMMAND_TYPES } from '#shared/domain/proxmox/commands.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { agentCluster, announced, startAgent } from './agent-support.ts';

let api: TestApi;
/** States entered, by name, across every execution since the last reset. */
const entered = new Map<string, number>();
/** Errors states failed with, by state name. */
const failures = new Map<string, string[]>();

beforeAll(async () => {
  api = await startTestApi({
    env: { AGENT_OFFLINE_AFTER_SECONDS: '10' },
    runtime: {
      onWorkflowEvent: (_execution, event) => {
        const name = event.state?.name;
        if (!name) return;
        if (event.type === 'StateEntered') entered.set(name, (entered.get(name) ?? 0) + 1);
        if (event.type === 'StateFailed') {
          const error = String((event as { Error?: string }).Error);
          failures.set(name, [...(failures.get(name) ?? []), error]);
        }
      },
    },
  });
});
afterAll(() => api.stop());

/** Each test its own tenant: a policy selects by tag across the tenant's clusters, stopped agents' too. */
async function runPolicy(admin: Caller, tag: string) {
  const policy = (await admin.post('/v1/policies', policyBody({ selector: { tags: [tag] } }))).body;
  entered.clear();
  failures.clear();
  const started = await admin.post(`/v1/policies/${policy.id}/runs`);
  expect(started.status).toBe(202);
  await api.runtime.workflows.drain();
  return (await admin.get(`/v1/runs/${started.body.id}`)).body;
}

describe('an agent follows the tasks it started', () => {
  it('reports each snapshot task\u2019s end: the lane waits on the callback and never polls', {
    timeout: 90_000,
  }, async () => {
    const admin = await api.as('follow-a', 'admin');
    const { clusterId, key } = await agentCluster(admin, 'lab-follow');
    const agent = await startAgent(api, key);
    try {
      await announced(api, 'follow-a', clusterId);
      await admin.post(`/v1/clusters/${clusterId}/sync`);
      const run = await runPolicy(admin, 'prod');
      expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
      const guests = run.succeeded as number;
      expect(guests).toBeGreaterThan(1);
      expect(entered.get('FollowTask')).toBe(guests);
      // The agent's report ended every wait: no poll, no look at the task from the workflow.
      expect(entered.get('WaitForTaskStart') ?? 0).toBe(0);
      expect(entered.get('CheckTask') ?? 0).toBe(0);
      expect(failures.get('FollowTask') ?? []).toEqual([]);
      expect(agent.lines.filter((line) => line.includes('followed task ended'))).toHaveLength(guests);
    } finally {
      await agent.stop();
    }
  });

  it('follows a vzdump to its end and records the archive it wrote', { timeout: 120_000 }, async () => {
    const admin = await api.as('follow-d', 'admin');
    const { clusterId, key } = await agentCluster(admin, 'lab-follow-backup');
    const agent = await startAgent(api, key);
    try {
      await announced(api, 'follow-d', clusterId);
      await admin.post(`/v1/clusters/${clusterId}/sync`);
      const created = await admin.post(
        '/v1/policies',
        policyBody({ kind: 'backup', backup: { storage: 'local' }, selector: { tags: ['prod'] } }),
      );
      expect(created.status).toBe(201);
      entered.clear();
      failures.clear();
      const started = await admin.post(`/v1/policies/${created.body.id}/runs`);
      await api.runtime.workflows.drain();
      const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
      expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
      expect(entered.get('FollowBackupTask')).toBe(run.succeeded);
      expect(entered.get('CheckBackup') ?? 0).toBe(0);
      const archives = (await admin.get(`/v1/backups?policy=${created.body.id}`)).body.items;
      expect(archives).toHaveLength(run.succeeded);
      expect(archives.every((archive: { size: number }) => archive.size > 0)).toBe(true);
    } finally {
      await agent.stop();
    }
  });

  it('polls the task as before when the agent does not follow tasks (an older agent)', {
    timeout: 90_000,
  }, async () => {
    const admin = await api.as('follow-b', 'admin');
    const { clusterId, key } = await agentCluster(admin, 'lab-older');
    const agent = await startAgent(api, key, {
      version: '0.9.0',
      commands: COMMAND_TYPES.filter((type) => type !== 'followTask'),
    });
    try {
      await announced(api, 'follow-b', clusterId);
      await admin.post(`/v1/clusters/${clusterId}/sync`);
      const run = await runPolicy(admin, 'prod');
      expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
      const guests = run.succeeded as number;
      expect(failures.get('FollowTask')).toEqual(Array(guests).fill('AgentOutdatedError'));
      expect(entered.get('CheckTask')).toBeGreaterThanOrEqual(guests);
    } finally {
      await agent.stop();
    }
  });

  it('refuses and audits a task report for a task it was never asked to follow, and a second end', {
    timeout: 90_000,
  }, async () => {
    const admin = await api.as('follow-c', 'admin');
    const { clusterId, key } = await agentCluster(admin, 'lab-reports');
    const agent = await startAgent(api, key);
    let followed: string | undefined;
    try {
      await announced(api, 'follow-c', clusterId);
      await admin.post(`/v1/clusters/${clusterId}/sync`);
      const run = await runPolicy(admin, 'prod');
      expect(run.status).toBe('succeeded');
      const line = agent.lines.find((text) => text.includes('followed task ended'));
      followed = (JSON.parse(line ?? '{}') as { id?: string }).id;
      expect(followed).toMatch(/^cmd_/);
    } finally {
      await agent.stop();
    }
    // The same cluster's key on a hand-made connection: the reports are checked, not trusted.
    const ws = new WebSocket(api.runtime.agentUrl, { headers: { authorization: `Bearer ${key}` } });
    await new Promise((resolve) => ws.on('open', resolve));
    try {
      ws.send(
        JSON.stringify({
          type: 'taskEnded',
          id: 'cmd_01M8PGJN9JZ2D39Q2MDQ5BBMQC',
          result: { status: 'stopped' },
        }),
      );
      ws.send(JSON.stringify({ type: 'taskHeartbeat', id: 'cmd_01M8PGJN9JZ2D39Q2MDQ5BBMQD' }));
      ws.send(
        JSON.stringify({ type: 'taskEnded', id: followed, result: { status: 'stopped', exitstatus: 'OK' } }),
      );
      const reasons = async () =>
        (
          (await admin.get('/v1/audit')).body.items as Array<{
            action: string;
            resourceId: string;
            reason?: string;
          }>
        )
          .filter((entry) => entry.action === 'agent.answer')
          .map((entry) => [entry.resourceId, entry.reason]);
      for (let attempt = 0; attempt < 100 && (await reasons()).length < 3; attempt++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await reasons()).toEqual(
        expect.arrayContaining([
          ['cmd_01M8PGJN9JZ2D39Q2MDQ5BBMQC', expect.stringContaining('a task it was never asked to follow')],
          ['cmd_01M8PGJN9JZ2D39Q2MDQ5BBMQD', expect.stringContaining('a task it was never asked to follow')],
          [followed, expect.stringContaining('a second end of a task')],
        ]),
      );
    } finally {
      ws.close();
    }
  });
});
