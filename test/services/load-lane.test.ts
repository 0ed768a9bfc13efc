import { describe, expect, it } from 'vitest';
import { loadLane } from '#shared/services/policy-run/load-lane.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { quietServiceDeps } from '#test/support/service-deps.ts';

describe('loadLane', () => {
  it('gives a fast lane until startedAt + startWithinMs to start guests (now + it without a start)', async () => {
    const { store } = await createTestTable();
    const now = Date.parse('2026-06-03T02:00:10.000Z');
    const deps = quietServiceDeps(store, { now: () => now });
    const context = {
      tenantId: 'acme',
      runId: 'run-1',
      policyId: 'pol_1',
      policyName: 'nightly',
      scheduledTime: '2026-06-03T02:00:00.000Z',
      clusterId: 'cl_1',
      snapshotName: 'auto',
      description: '',
      kind: 'snapshot' as const,
      vzdump: null,
      pruneOnly: false,
      pruneBy: 'run run-1',
      followTasks: false,
      hooks: false,
    };
    await store.lanes.put('acme', 'run-1', 0, { context, perNode: 2, guests: [] });
    const ref = { tenantId: 'acme', laneSetId: 'run-1', index: 0 };
    // The execution started 10 s before the load (a retried load): the 20 s count from then.
    const started = await loadLane(deps, { ...ref, startedAt: '2026-06-03T02:00:00.000Z' }, 20_000);
    expect(started.startBy).toBe('2026-06-03T02:00:20.000Z');
    expect((await loadLane(deps, ref, 20_000)).startBy).toBe('2026-06-03T02:00:30.000Z');
  });
});
