import { describe, expect, it } from 'vitest';
import { registerTenant } from '#shared/adapters/dynamo/tenant-registry.ts';
import { repairSchedules } from '#shared/services/repair-schedules.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { fakeScheduler } from '#test/support/fake-policy-scheduler.ts';
import { testPolicy } from '#test/support/policies.ts';

describe('the schedule repair', () => {
  it('writes every enabled policy’s schedule and removes those of disabled and deleted policies', async () => {
    const { store } = await createTestTable();
    const nightly = testPolicy({ id: 'pol_01JD0000000000000000000001', name: 'nightly' });
    const paused = testPolicy({ id: 'pol_01JD0000000000000000000002', name: 'paused', enabled: false });
    const other = testPolicy({ id: 'pol_01JD0000000000000000000003', name: 'hourly', tenantId: 'beta' });
    for (const policy of [nightly, paused, other]) await store.policies.create(policy, []);
    // A tenant comes into being through the API, which registers it (TenantStore.ensure).
    await store.tenants.ensure('acme');
    await registerTenant(store.table, 'beta');
    // After a restore: no schedule at all, one of a paused policy, one of a policy since deleted.
    const { scheduler, schedules } = fakeScheduler();
    await scheduler.put(paused);
    await scheduler.put(testPolicy({ id: 'pol_01JD00000000000000000000ZZ', name: 'gone' }));

    const repair = await repairSchedules({ store, schedules: scheduler });
    expect(repair).toEqual({ tenants: 2, written: 2, removed: 2 });
    expect([...schedules.keys()].sort()).toEqual([nightly.id, other.id]);
    expect(schedules.get(nightly.id)).toEqual(nightly);
    // Again: the same schedules, nothing else removed.
    expect(await repairSchedules({ store, schedules: scheduler })).toEqual({
      tenants: 2,
      written: 2,
      removed: 1,
    });
    expect([...schedules.keys()].sort()).toEqual([nightly.id, other.id]);
  });
});
