import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runIdFor } from '#shared/domain/run.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startTestSimulator, type TestSimulator } from '#test/support/simulator.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;
/** A second cluster whose snapshot tasks run for 3 s: longer than the fast lane looks. */
let slow: TestSimulator;
let slowClusterId: string;
/** States entered since the test began, by name. */
const entered = new Map<string, number>();
const times = (state: string) => entered.get(state) ?? 0;

beforeAll(async () => {
  api = await startTestApi({
    runtime: {
      onWorkflowEvent: (_execution, event) => {
        if (event.type === 'StateEntered' && event.state)
          entered.set(event.state.name, (entered.get(event.state.name) ?? 0) + 1);
      },
    },
  });
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  slow = await startTestSimulator({ simulator: { taskDurations: { snapshot: 300_000 } } });
  slowClusterId = (
    await admin.post(
      '/v1/clusters',
      api.clusterBody({ name: 'slow', url: slow.server.url, fingerprint: slow.server.fingerprint() }),
    )
  ).body.id;
});
afterAll(async () => {
  await api.stop();
  await slow.close();
});
beforeEach(() => entered.clear());

/** The demo cluster's five prod guests on the first cluster. */
const prod = () => [100, 101, 102, 200, 201].map((vmid) => `${clusterId}.${vmid}`);
const snapshotsOf = (sim: TestSimulator, vmid: number, name: string) =>
  (sim.sim.state.guests.find((guest) => guest.vmid === vmid)?.snapshots ?? []).filter(
    (snapshot) => snapshot.name === name,
  );

async function runToEnd(body: Record<string, unknown>) {
  const policy = (await admin.post('/v1/policies', policyBody(body))).body;
  const started = await admin.post(`/v1/policies/${policy.id}/runs`);
  expect(started.status).toBe(202);
  await api.runtime.workflows.drain();
  return (await admin.get(`/v1/runs/${started.body.id}`)).body;
}

describe('the fast lane (Express) of a snapshot policy', () => {
  it('snapshots, records and prunes every guest without a Standard lane when nothing waits long', async () => {
    const run = await runToEnd({ selector: { guests: prod() }, snapshot: { namePrefix: 'fast' } });
    expect(run).toMatchObject({ status: 'succeeded', targets: 5, succeeded: 5, failed: 0 });
    for (const result of run.results)
      expect(snapshotsOf(api.simulator, result.vmid, result.snapshotName)).toHaveLength(1);
    expect(times('FastCreateSnapshot')).toBe(5);
    expect(times('FastRecordSucceeded')).toBe(5);
    // The Standard lane never ran.
    expect(times('LoadLane')).toBe(0);
    expect(times('CreateSnapshot')).toBe(0);
    expect(times('FinishLane')).toBe(0);
  });

  it('hands a guest whose task outlives its looks to the Standard lane, which finishes it: one snapshot', async () => {
    const run = await runToEnd({
      selector: { guests: [`${slowClusterId}.100`] },
      snapshot: { namePrefix: 'long' },
    });
    expect(run).toMatchObject({ status: 'succeeded', targets: 1, succeeded: 1 });
    expect(run.results[0].upid).toMatch(/^UPID:/);
    expect(snapshotsOf(slow, 100, run.results[0].snapshotName)).toHaveLength(1);
    expect(times('FastHandBack')).toBe(1);
    expect(times('FinishLane')).toBe(1);
    // The Standard lane looks at the running task; it does not start another.
    expect(times('ResumeTask')).toBe(1);
    expect(times('CreateSnapshot')).toBe(0);
    expect(times('FastRecordSucceeded')).toBe(0);
    expect(times('RecordSucceeded')).toBe(1);
  });

  it('hands a locked guest to the Standard lane, which waits the lock out', async () => {
    api.simulator.sim.holdLock(101, 'backup');
    // Released once the fast lane has handed the guest back: the Standard lane waits it out.
    const release = setInterval(() => {
      if (times('FastHandBackUnstarted') + times('FastHandBack') === 0) return;
      api.simulator.sim.releaseLock(101);
      clearInterval(release);
    }, 5);
    const run = await runToEnd({
      selector: { guests: [`${clusterId}.101`] },
      snapshot: { namePrefix: 'lock' },
    });
    expect(run).toMatchObject({ status: 'succeeded', succeeded: 1 });
    expect(snapshotsOf(api.simulator, 101, run.results[0].snapshotName)).toHaveLength(1);
    // Locked at the call, or the task failed on the lock: handed back either way.
    expect(times('FastHandBackUnstarted') + times('FastHandBack')).toBe(1);
    expect(times('FinishLane')).toBe(1);
    expect(times('CountLockAttempt')).toBeGreaterThanOrEqual(1);
  });

  it('takes one snapshot per guest when the same tick is started three times', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({ selector: { guests: prod() }, snapshot: { namePrefix: 'tick' } }),
      )
    ).body;
    const input = {
      tenantId: 'acme',
      policyId: policy.id,
      scheduledTime: '2026-11-24T02:00:00.000Z',
      trigger: 'schedule' as const,
    };
    await Promise.all(['a', 'b', 'c'].map((name) => api.runtime.workflows.start(`tick-${name}`, input)));
    const run = (await admin.get(`/v1/runs/${runIdFor(policy.id, input.scheduledTime)}`)).body;
    expect(run).toMatchObject({ status: 'succeeded', targets: 5, succeeded: 5 });
    for (const result of run.results)
      expect(snapshotsOf(api.simulator, result.vmid, 'tick-20261124-0200')).toHaveLength(1);
    expect(times('FastCreateSnapshot')).toBe(5);
  });
});
