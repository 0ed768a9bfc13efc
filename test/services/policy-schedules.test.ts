import { describe, expect, it } from 'vitest';
import { ScheduleWriteError } from '#shared/domain/errors.ts';
import type { PolicyScheduler } from '#shared/ports/policy-scheduler.ts';
import { createPolicy, deletePolicy, type PolicyDeps, updatePolicy } from '#shared/services/policies.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { fakeScheduler } from '#test/support/fake-policy-scheduler.ts';
import { testPolicySpec } from '#test/support/policies.ts';
import { quietServiceDeps } from '#test/support/service-deps.ts';

const spec = testPolicySpec();
const context = {
  principal: { tenantId: 'acme', subject: 'alice', role: 'admin' as const },
  requestId: 'r1',
};

async function deps(scheduler: PolicyScheduler): Promise<PolicyDeps> {
  const { store } = await createTestTable();
  return { ...quietServiceDeps(store), schedules: scheduler };
}

describe('policies and their schedules', () => {
  it('keeps one schedule per policy through create, update and delete', async () => {
    const fake = fakeScheduler();
    const d = await deps(fake.scheduler);
    const created = await createPolicy(d, context, spec);
    expect(fake.schedules.get(created.id)?.schedulerExpression).toBe('cron(0 2 * * ? *)');
    await updatePolicy(d, context, created.id, (current) => ({ ...current, enabled: false }));
    expect(fake.schedules.get(created.id)?.enabled).toBe(false);
    await deletePolicy(d, context, created.id);
    expect(fake.schedules.has(created.id)).toBe(false);
  });

  it('changes nothing when the schedule cannot be written', async () => {
    const fake = fakeScheduler();
    const d = await deps(fake.scheduler);
    const created = await createPolicy(d, context, spec);
    fake.fail(true);
    await expect(createPolicy(d, context, { ...spec, name: 'second' })).rejects.toBeInstanceOf(
      ScheduleWriteError,
    );
    await expect(
      updatePolicy(d, context, created.id, (current) => ({ ...current, enabled: false })),
    ).rejects.toBeInstanceOf(ScheduleWriteError);
    await expect(deletePolicy(d, context, created.id)).rejects.toBeInstanceOf(ScheduleWriteError);
    expect(
      (await d.store.policies.list('acme', { limit: 10 })).items.map((p) => [p.name, p.enabled]),
    ).toEqual([['nightly', true]]);
    expect(fake.schedules.get(created.id)?.enabled).toBe(true);
  });

  it('puts the old schedule back when the policy write fails after it', async () => {
    const fake = fakeScheduler();
    const d = await deps(fake.scheduler);
    const created = await createPolicy(d, context, spec);
    const original = d.store.policies.update.bind(d.store.policies);
    d.store.policies.update = async () => {
      throw new Error('TransactionCanceledException');
    };
    try {
      await expect(
        updatePolicy(d, context, created.id, (current) => ({
          ...current,
          schedule: { ...current.schedule, cron: '0 4 * * *' },
        })),
      ).rejects.toThrow('TransactionCanceledException');
    } finally {
      d.store.policies.update = original;
    }
    expect(fake.schedules.get(created.id)?.schedule.cron).toBe('0 2 * * *');
    expect((await d.store.policies.get('acme', created.id))?.schedule.cron).toBe('0 2 * * *');
  });
});
