import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeClusterState } from '#shared/local/proxmox-simulator/model.ts';
import { LANE_CHUNK, runLaneChunk } from '#shared/services/policy-run/work-item.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

const GUESTS = 700;
let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi({ simulatorState: largeClusterState(2, GUESTS) });
  admin = await api.as('acme', 'admin');
  await admin.post('/v1/clusters', api.clusterBody({ name: 'big' }));
});
afterAll(() => api.stop());

describe('a run over hundreds of guests', () => {
  // Listed in full (~420 bytes each), 700 work items pass Step Functions' 256 KiB payload limit, which the local
  // runner enforces as AWS does: only lane references may travel.
  it('stays under the payload limit, snapshotting every guest once', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'everything',
          selector: { all: true },
          snapshot: { namePrefix: 'big' },
          concurrency: { perNode: 10 },
          retention: { keepLast: 3 },
        }),
      )
    ).body;
    const started = await admin.post(`/v1/policies/${policy.id}/runs`);
    await api.runtime.workflows.drain();
    const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
    expect(run).toMatchObject({ status: 'succeeded', targets: GUESTS, succeeded: GUESTS, failed: 0 });
    const taken = api.simulator.sim.state.guests.filter((guest) =>
      guest.snapshots.some((snapshot) => snapshot.name.startsWith('big-')),
    );
    expect(taken).toHaveLength(GUESTS);
    // 350 guests per node: lanes of whole rounds of the node's 10 slots (at most LANE_CHUNK), run
    // one after another per node.
    const perNode = GUESTS / 2;
    const chunk = runLaneChunk({ kind: 'snapshot', concurrency: { perNode: 10 } }, GUESTS);
    expect(chunk).toBe(10);
    expect(chunk).toBeLessThanOrEqual(LANE_CHUNK);
    const sizes = Array.from({ length: Math.ceil(perNode / chunk) }, (_, i) =>
      Math.min(chunk, perNode - i * chunk),
    );
    const lanes = await Promise.all(
      Array.from({ length: sizes.length * 2 + 1 }, (_, index) =>
        api.runtime.store.lanes.get('acme', started.body.id, index),
      ),
    );
    expect(lanes.map((lane) => lane?.guests.length)).toEqual([...sizes, ...sizes, undefined]);
  }, 300_000);
});
