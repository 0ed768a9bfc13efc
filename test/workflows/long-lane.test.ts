import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

/** Longer than the 60 s aws-local-stepfunctions gives a Task without TimeoutSeconds. */
const LOCK_HELD_MS = 65_000;

let api: TestApi;
let admin: Caller;
let clusterId: string;

beforeAll(async () => {
  // Waits at a quarter of their length: the lock back-off is 7.5 s, so 10 attempts span 75 s,
  // and the lane really stays busy for more than a minute of wall time.
  api = await startTestApi({ env: { WORKFLOW_TIME_FACTOR: '0.25' } });
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(() => api.stop());

describe('a lane busy for more than a minute', () => {
  it('is waited for like in AWS: the run ends only when its lane does, with every result counted', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'patient',
          selector: { guests: [`${clusterId}.101`, `${clusterId}.200`] },
          snapshot: { namePrefix: 'pt' },
          notify: { onSuccess: true, onFailure: true },
        }),
      )
    ).body;
    api.simulator.sim.holdLock(101, 'backup');
    const release = setTimeout(() => api.simulator.sim.releaseLock(101), LOCK_HELD_MS);
    const startedAt = Date.now();
    try {
      const started = await admin.post(`/v1/policies/${policy.id}/runs`);
      expect(started.status).toBe(202);
      await api.runtime.workflows.drain();
      // The lane waited the lock out: it really was busy for longer than a minute.
      expect(Date.now() - startedAt).toBeGreaterThan(LOCK_HELD_MS);
      const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
      expect(run).toMatchObject({ status: 'succeeded', targets: 2, succeeded: 2, failed: 0 });
      expect(run.late).toBeUndefined();
      expect(run.reason).toBeUndefined();
      expect(run.results.map((r: { outcome: string; late?: boolean }) => [r.outcome, r.late])).toEqual([
        ['succeeded', undefined],
        ['succeeded', undefined],
      ]);
      const names = api.simulator.sim.state.guests.find((guest) => guest.vmid === 101)?.snapshots ?? [];
      expect(names.map((snapshot) => snapshot.name)).toContain(run.results[0].snapshotName);
      expect(api.logs.filter((line) => line.includes('workflow execution failed'))).toEqual([]);
    } finally {
      clearTimeout(release);
      api.simulator.sim.releaseLock(101);
    }
  }, 180_000);
});
