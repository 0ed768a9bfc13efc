import { describe, expect, it } from 'vitest';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { recordGuestResult } from '#shared/services/policy-run/record-result.ts';
import { planPrune } from '#shared/services/retention/plan-prune.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { testPolicy } from '#test/support/policies.ts';
import { quietServiceDeps } from '#test/support/service-deps.ts';
import { testRun } from '../adapters/dynamo/fixtures.ts';

const CLUSTER = 'cl_01JD0000000000000000000001';
const GUEST = `${CLUSTER}.100`;

/** The policy's snapshot of day `day` (June 2026), as the record step writes it. */
const record = (policyId: string, day: string, overrides: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
  tenantId: 'acme',
  guestId: GUEST,
  name: `auto-202606${day}-0200`,
  policyId,
  runId: `run-${day}`,
  scheduledTime: `2026-06-${day}T02:00:00.000Z`,
  status: 'created',
  vmstate: false,
  createdAt: `2026-06-${day}T02:01:00.000Z`,
  ...overrides,
});

async function setUp() {
  const { store } = await createTestTable();
  const policy = testPolicy({ retention: { keepLast: 2 } });
  await store.policies.create(policy, []);
  for (const day of ['01', '02']) await store.snapshots.put(record(policy.id, day));
  const deps = quietServiceDeps(store, { now: () => Date.parse('2026-06-03T03:30:00Z') });
  const item = {
    tenantId: 'acme',
    policyId: policy.id,
    clusterId: CLUSTER,
    guestId: GUEST,
    node: 'pve1',
    guestType: 'qemu' as const,
    vmid: 100,
    pruneBy: 'run run-03',
    kind: 'snapshot' as const,
    runId: 'run-03',
  };
  const pruned = async (written?: SnapshotRecord) =>
    (await planPrune(deps, { item, ...(written ? { written } : {}) })).deletions.map((d) => d.name);
  return { store, policy, pruned, deps, item };
}

describe('planPrune with the record being written (a run\u2019s record step reads while it writes)', () => {
  it('counts the written record whether or not the read lists it yet', async () => {
    const { store, policy, pruned } = await setUp();
    const third = record(policy.id, '03');
    // Keep-last 2 of two stored: nothing, until the third counts.
    expect(await pruned()).toEqual([]);
    expect(await pruned(third)).toEqual(['auto-20260601-0200']);
    await store.snapshots.put(third);
    expect(await pruned(third)).toEqual(['auto-20260601-0200']);
  });

  it('keeps a stored record of the written one\u2019s name as it is stored', async () => {
    const { store, policy, pruned } = await setUp();
    // Stored before (here as older than everything): the stored one counts, not what is written.
    await store.snapshots.put(record(policy.id, '03', { scheduledTime: '2026-05-31T02:00:00.000Z' }));
    expect(await pruned(record(policy.id, '03'))).toEqual(['auto-20260603-0200']);
  });
});

describe('a run\u2019s record step and retention', () => {
  it('on a duplicate (the guest\u2019s result recorded before, as failed) decides from the records as stored', async () => {
    const { store, policy, deps } = await setUp();
    await store.runs.create(
      testRun({ id: 'run-03', policyId: policy.id, scheduledTime: '2026-06-03T02:00:00.000Z' }),
    );
    const item = {
      tenantId: 'acme',
      runId: 'run-03',
      policyId: policy.id,
      policyName: policy.name,
      scheduledTime: '2026-06-03T02:00:00.000Z',
      clusterId: CLUSTER,
      snapshotName: 'auto-20260603-0200',
      description: '',
      kind: 'snapshot' as const,
      vzdump: null,
      pruneOnly: false,
      pruneBy: 'run run-03',
      followTasks: false,
      hooks: false,
      guestId: GUEST,
      node: 'pve1',
      guestType: 'qemu' as const,
      vmid: 100,
      vmstate: false,
    };
    // The fast lane recorded the guest as failed; the Standard lane, redoing the lane, finds the
    // snapshot taken and records a success: a duplicate, which changes nothing stored.
    const failed = await recordGuestResult(deps, {
      item,
      outcome: 'failed',
      error: { Error: 'States.Timeout', Cause: 'lane ended' },
    });
    expect(failed).toMatchObject({ recorded: true, deletions: [] });
    const again = await recordGuestResult(deps, { item, outcome: 'succeeded', upid: 'UPID:pve1:1' });
    expect(again.recorded).toBe(false);
    // Keep-last 2 of the two created records stored (the third is stored as failed): nothing goes.
    expect(again.deletions).toEqual([]);
    expect(
      (await store.snapshots.list('acme', GUEST)).find((r) => r.name === item.snapshotName)?.status,
    ).toBe('failed');
  });
});
