import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredLane } from '#shared/domain/lane.ts';
import { MANUAL_RUN_NAME } from '#shared/domain/run.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(() => api.stop());

/** The lanes a run stored, as the dry run shows them: node, chunk count, guests. */
async function storedLanes(runId: string) {
  const lanes: StoredLane[] = [];
  for (let index = 0; ; index++) {
    const lane = await api.runtime.store.lanes.get('acme', runId, index);
    if (!lane) break;
    lanes.push(lane);
  }
  const byNode = Map.groupBy(lanes, (lane) => `${lane.context.clusterId}/${lane.guests[0]?.node}`);
  return [...byNode].map(([lane, chunks]) => ({
    lane,
    chunks: chunks.length,
    guests: chunks.flatMap((chunk) =>
      chunk.guests.map(({ guestId, vmid, vmstate }) => ({ guestId, vmid, vmstate })),
    ),
  }));
}

describe('POST /v1/policies/{id}/dry-run', () => {
  it('plans what the run started right after does: same targets, lanes and names modulo the tick, no Proxmox call', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'dry',
          selector: { tags: ['prod'], exclude: { guests: [], tags: [] } },
          snapshot: { namePrefix: 'dry', includeMemory: true },
          concurrency: { perNode: 1 },
        }),
      )
    ).body;
    // Every call to Proxmox would fail now: the plan needs none.
    api.simulator.server.failNext({ status: 500, message: 'no call expected', count: 1_000_000 });
    const plan = await admin.post(`/v1/policies/${policy.id}/dry-run`);
    api.simulator.server.clearFaults();
    expect(plan.status).toBe(200);
    expect(plan.body.targets.length).toBeGreaterThan(0);
    expect(plan.body.notIncluded.map((entry: { reason: string }) => entry.reason)).toContain('not-selected');
    expect(plan.body.lanes.every((lane: { perNode: number }) => lane.perNode === 1)).toBe(true);
    // Nothing was started.
    expect((await admin.get(`/v1/runs?policy=${policy.id}`)).body.items).toEqual([]);

    const started = await admin.post(`/v1/policies/${policy.id}/runs`);
    await api.runtime.workflows.drain();
    const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
    expect(run.status).toBe('succeeded');
    const ids = (guests: Array<{ guestId: string }>) => guests.map((guest) => guest.guestId).sort();
    expect(ids(run.results)).toEqual(ids(plan.body.targets));
    const lanes = plan.body.lanes.map(({ lane, chunks, guests }: Record<string, unknown>) => ({
      lane,
      chunks,
      guests,
    }));
    expect(await storedLanes(run.id)).toEqual(lanes);
    // The same prefix and form; the time and the run id's four characters differ.
    const planned = MANUAL_RUN_NAME.exec(plan.body.snapshotName);
    const taken = MANUAL_RUN_NAME.exec(run.results[0].snapshotName);
    expect(planned?.[1]).toBe('dry');
    expect(taken?.[1]).toBe(planned?.[1]);
  });

  it('shows what retention deletes once the run\u2019s snapshot exists, the run\u2019s share first', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'keep-one',
          selector: { guests: [`${clusterId}.100`] },
          retention: { keepLast: 1 },
        }),
      )
    ).body;
    const guestId = `${clusterId}.100`;
    for (const [index, name] of ['old-a', 'old-b', 'old-c', 'old-d'].entries()) {
      await api.runtime.store.snapshots.put({
        tenantId: 'acme',
        guestId,
        name,
        policyId: policy.id,
        scheduledTime: new Date(Date.parse('2026-01-01T02:00:00Z') + index * 86_400_000).toISOString(),
        status: 'created',
        vmstate: false,
        createdAt: new Date(Date.parse('2026-01-01T02:00:00Z') + index * 86_400_000).toISOString(),
      });
    }
    const plan = await admin.post(`/v1/policies/${policy.id}/dry-run`);
    expect(plan.body.retention).toEqual([
      {
        guestId,
        delete: [
          { name: 'old-a', reason: 'pruned', inThisRun: true },
          { name: 'old-b', reason: 'pruned', inThisRun: true },
          { name: 'old-c', reason: 'pruned', inThisRun: true },
          { name: 'old-d', reason: 'pruned', inThisRun: false },
        ],
      },
    ]);
    expect(plan.body.lanes).toEqual([
      expect.objectContaining({ lane: expect.stringMatching(new RegExp(`^${clusterId}/`)), chunks: 1 }),
    ]);
  });

  it('estimates the duration from past task times: guests per slot times the node\u2019s median', async () => {
    const policy = (
      await admin.post('/v1/policies', policyBody({ name: 'timed', selector: { tags: ['prod'] } }))
    ).body;
    const plan = (await admin.post(`/v1/policies/${policy.id}/dry-run`)).body;
    // The first test's run left task times for every node of the plan.
    for (const lane of plan.lanes) expect(lane.expectedSeconds).toBeGreaterThanOrEqual(0);
    expect(plan.expectedSeconds).toBe(
      Math.max(...plan.lanes.map((lane: { expectedSeconds: number }) => lane.expectedSeconds)),
    );
  });

  it('validates as a real run: unknown or other tenant\u2019s policy 404, viewer 403, a disabled policy still plans', async () => {
    const policy = (await admin.post('/v1/policies', policyBody({ name: 'off', enabled: false }))).body;
    expect((await admin.post('/v1/policies/pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y2/dry-run')).status).toBe(404);
    expect((await (await api.as('other', 'admin')).post(`/v1/policies/${policy.id}/dry-run`)).status).toBe(
      404,
    );
    const viewer = await api.as('acme', 'viewer');
    const denied = await viewer.post(`/v1/policies/${policy.id}/dry-run`);
    expect(denied.status).toBe(403);
    expect(denied.body.requiredRole).toBe('operator');
    const operator = await api.as('acme', 'operator');
    const plan = await operator.post(`/v1/policies/${policy.id}/dry-run`);
    expect(plan.status).toBe(200);
    expect(plan.body.enabled).toBe(false);
    expect(plan.body.nextScheduled).toBeUndefined();
  });
});
