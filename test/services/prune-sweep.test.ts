import { describe, expect, it } from 'vitest';
import type { Guest } from '#shared/domain/guest.ts';
import type { LaneRef } from '#shared/domain/lane.ts';
import { pruneSweep } from '#shared/services/retention/prune-sweep.ts';
import { SWEEP_LANE_CHUNK } from '#shared/services/retention/prune-work.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { testPolicy } from '#test/support/policies.ts';
import { quietServiceDeps } from '#test/support/service-deps.ts';

const CLUSTER = 'cl_01JD0000000000000000000001';
const guest = (vmid: number, node: string): Guest => ({
  id: `${CLUSTER}.${vmid}`,
  tenantId: 'acme',
  clusterId: CLUSTER,
  vmid,
  type: 'qemu',
  node,
  name: `vm${vmid}`,
  status: 'running',
  template: false,
  tags: [],
  gone: false,
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:00:00.000Z',
});

describe('the retention sweep', () => {
  it('puts at most SWEEP_LANE_CHUNK guests in a lane, one stored lane per start, named once per day', async () => {
    const { store } = await createTestTable();
    const policy = testPolicy({ retention: { keepLast: 1 } });
    await store.policies.create(policy, []);
    // 50 guests on pve1 and 3 on pve2, each with two snapshots of the policy: one to prune.
    const guests = [
      ...Array.from({ length: 50 }, (_, i) => guest(100 + i, 'pve1')),
      ...Array.from({ length: 3 }, (_, i) => guest(200 + i, 'pve2')),
    ];
    await store.guests.putMany(guests);
    for (const g of guests) {
      for (const day of ['01', '02']) {
        await store.snapshots.put({
          tenantId: 'acme',
          guestId: g.id,
          name: `auto-202606${day}-0200`,
          policyId: policy.id,
          scheduledTime: `2026-06-${day}T02:00:00.000Z`,
          status: 'created',
          vmstate: false,
          createdAt: `2026-06-${day}T02:01:00.000Z`,
        });
      }
    }
    const deps = quietServiceDeps(store, { now: () => Date.parse('2026-06-03T03:30:00Z') });
    const started: Array<{ name: string; ref: LaneRef }> = [];
    const unit = { tenantId: 'acme', guestIds: guests.map((g) => g.id), unitKey: '0' };
    const summary = await pruneSweep(deps, unit, async (name, ref) => void started.push({ name, ref }));
    expect(summary).toEqual({ guests: 53, lanes: 3, deletions: 53 });
    const lanes = await Promise.all(
      started.map(({ ref }) => store.lanes.get(ref.tenantId, ref.laneSetId, ref.index)),
    );
    expect(lanes.map((lane) => lane?.guests.length).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
      3,
      50 - SWEEP_LANE_CHUNK,
      SWEEP_LANE_CHUNK,
    ]);
    for (const lane of lanes) {
      expect(lane?.context).toMatchObject({
        pruneOnly: true,
        pruneBy: 'sweep 2026-06-03',
        policyId: policy.id,
      });
      expect(new Set(lane?.guests.map((g) => g.node)).size).toBe(1);
    }
    expect(new Set(started.map(({ name }) => name)).size).toBe(3);
    expect(
      started.every(
        ({ name, ref }) => name === ref.laneSetId && /^prune-2026-06-03-[0-9a-f]{24}$/.test(name),
      ),
    ).toBe(true);
    // The same day again: the same lane names, so Step Functions starts nothing twice.
    const again: string[] = [];
    await pruneSweep(deps, unit, async (name) => void again.push(name));
    expect(again.sort()).toEqual(started.map(({ name }) => name).sort());
    // Another unit of the same day gets lanes of its own.
    const other: string[] = [];
    await pruneSweep(deps, { ...unit, unitKey: '1' }, async (name) => void other.push(name));
    expect(other.filter((name) => again.includes(name))).toEqual([]);
  }, 90_000);
});
