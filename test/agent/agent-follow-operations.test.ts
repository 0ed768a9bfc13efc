import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_TYPES } from '#shared/domain/proxmox/commands.ts';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';
import { agentCluster, announced, startAgent, type TestAgent } from './agent-support.ts';

let api: TestApi;
/** States entered, by name, across every execution since the last reset. */
const entered = new Map<string, number>();
/** Errors states failed with, by state name. */
const failures = new Map<string, string[]>();
/** Called when a state is entered (a test stops its agent there). */
let onEntered: (state: string) => void = () => {};

beforeAll(async () => {
  api = await startTestApi({
    env: { AGENT_OFFLINE_AFTER_SECONDS: '4' },
    // A clone takes 3 s (time factor 0.01): long enough to stop its agent while it follows it.
    simulator: { taskDurations: { clone: 300_000 } },
    runtime: {
      onWorkflowEvent: (_execution, event) => {
        const name = event.state?.name;
        if (!name) return;
        if (event.type === 'StateEntered') {
          entered.set(name, (entered.get(name) ?? 0) + 1);
          onEntered(name);
        }
        if (event.type === 'StateFailed') {
          const error = String((event as { Error?: string }).Error);
          failures.set(name, [...(failures.get(name) ?? []), error]);
        }
      },
    },
  });
});
afterAll(() => api.stop());

/** A tenant's agent cluster with its agent connected and its guests synced. */
async function connected(tenantId: string, options: Parameters<typeof startAgent>[2] = {}) {
  const admin = await api.as(tenantId, 'admin');
  const { clusterId, key } = await agentCluster(admin, `lab-${tenantId}`);
  const agent = await startAgent(api, key, options);
  await announced(api, tenantId, clusterId);
  expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
  return { admin, clusterId, key, agent };
}

/** Requests an operation and waits for its end; the counters start from this request. */
async function operation(admin: Caller, path: string, body: unknown) {
  entered.clear();
  failures.clear();
  const response = await admin.post(path, body);
  expect(response.status).toBe(202);
  await api.runtime.workflows.drain();
  return (await admin.get(`/v1/operations/${response.body.id}`)).body;
}

/**
 * Takes snapshot `base` of a guest, then restores it to a new guest (a 3 s clone) and, once the
 * agent follows the clone, runs `meanwhile` (the agent is stopped there); the restore's operation.
 */
async function restoreWhileFollowing(admin: Caller, guestId: string, meanwhile: () => Promise<void>) {
  expect((await operation(admin, `/v1/guests/${guestId}/snapshots`, { name: 'base' })).status).toBe(
    'succeeded',
  );
  let stopping: Promise<void> | undefined;
  onEntered = (state) => {
    if (state !== 'FollowStep' || stopping) return;
    stopping = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await meanwhile();
    })();
  };
  try {
    const restored = await operation(admin, `/v1/guests/${guestId}/snapshots/base/restore`, {
      mode: 'new_guest',
    });
    await stopping;
    return restored;
  } finally {
    onEntered = () => {};
  }
}

const followedEnds = (agent: TestAgent) => agent.lines.filter((line) => line.includes('followed task ended'));

describe('guest operations on an agent cluster', () => {
  it('follows every task of a snapshot and two restores through the agent: one follow per task, no task polls', {
    timeout: 120_000,
  }, async () => {
    const { admin, clusterId, agent } = await connected('ops-follow');
    try {
      const taken = await operation(admin, `/v1/guests/${clusterId}.100/snapshots`, {
        name: 'before-upgrade',
      });
      expect(taken).toMatchObject({ status: 'succeeded' });
      expect(entered.get('FollowStep')).toBe(1);

      const toNewGuest = await operation(
        admin,
        `/v1/guests/${clusterId}.100/snapshots/before-upgrade/restore`,
        {
          mode: 'new_guest',
          newGuest: { name: 'restored' },
        },
      );
      expect(toNewGuest).toMatchObject({ status: 'succeeded' });
      // The clone is a task (followed); removing the copied tags is not.
      expect(entered.get('FollowStep')).toBe(1);
      expect(entered.get('RunStep')).toBe(2);

      const inPlace = await operation(admin, `/v1/guests/${clusterId}.100/snapshots/before-upgrade/restore`, {
        mode: 'in_place',
      });
      expect(inPlace).toMatchObject({ status: 'succeeded' });
      // Safety snapshot, stop, rollback (and a start, when it ran): each a task, each followed once.
      const tasks = entered.get('StepFollowedByAgent?') ?? 0;
      expect(tasks).toBeGreaterThanOrEqual(3);
      expect(entered.get('FollowStep')).toBe(tasks);
      for (const polled of ['WaitForStepStart', 'CheckStep', 'WaitForStep'])
        expect(entered.get(polled) ?? 0).toBe(0);
      expect(failures.get('FollowStep') ?? []).toEqual([]);
      expect(followedEnds(agent)).toHaveLength(1 + 1 + tasks);
    } finally {
      await agent.stop();
    }
  });

  it('polls the tasks as before when the agent does not follow tasks (an older agent)', {
    timeout: 120_000,
  }, async () => {
    const { admin, clusterId, agent } = await connected('ops-older', {
      version: '0.9.0',
      commands: COMMAND_TYPES.filter((type) => type !== 'followTask'),
    });
    try {
      const restored = await operation(admin, `/v1/guests/${clusterId}.101/snapshots`, { name: 'older' });
      expect(restored).toMatchObject({ status: 'succeeded' });
      expect(failures.get('FollowStep')).toEqual(['AgentOutdatedError']);
      expect(entered.get('CheckStep')).toBeGreaterThanOrEqual(1);
    } finally {
      await agent.stop();
    }
  });

  it('an agent stopped during a restore hands its follow back: the restarted agent answers the polls', {
    timeout: 120_000,
  }, async () => {
    const { admin, clusterId, key, agent } = await connected('ops-restart');
    let restarted: TestAgent | undefined;
    try {
      // Stopped while it follows the clone; a new agent connects and answers the polls.
      const restored = await restoreWhileFollowing(admin, `${clusterId}.101`, async () => {
        await agent.stop();
        restarted = await startAgent(api, key);
      });
      expect(restored).toMatchObject({ status: 'succeeded' });
      expect(failures.get('FollowStep')).toEqual(['AgentStoppedError']);
      expect(entered.get('CheckStep')).toBeGreaterThanOrEqual(1);
    } finally {
      await agent.stop();
      await restarted?.stop();
    }
  });

  it('an agent gone during a restore: the operation fails with the agent’s offline error, as a run’s guest does', {
    timeout: 120_000,
  }, async () => {
    const { admin, clusterId, agent } = await connected('ops-gone');
    try {
      const restored = await restoreWhileFollowing(admin, `${clusterId}.102`, () => agent.stop());
      expect(failures.get('FollowStep')).toEqual(['AgentStoppedError']);
      expect(restored).toMatchObject({ status: 'failed', errorType: 'AgentOfflineError' });
      expect(restored.error).toMatch(/^agent for cluster lab-ops-gone offline since \d{4}-\d\d-\d\dT/);
    } finally {
      await agent.stop();
    }
  });
});
