import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_PLANS,
  mergePlan,
  PLAN_FEATURES,
  type Plan,
  planOf,
  planTable,
  QUOTA_NAMES,
} from '#shared/domain/plans/plan.ts';
import {
  featureRefusal,
  policyRefusal,
  quotaRefusal,
  retentionCount,
  shortestIntervalMinutes,
} from '#shared/domain/plans/quota.ts';
import { runGuestRefusal } from '#shared/domain/plans/run-guest-quota.ts';
import { parseCron } from '#shared/domain/schedule/cron.ts';
import { nextRuns } from '#shared/domain/schedule/next-runs.ts';

const limitArb = fc.option(fc.nat({ max: 1000 }), { nil: null });
const planArb: fc.Arbitrary<Plan> = fc.record({
  features: fc.record(Object.fromEntries(PLAN_FEATURES.map((f) => [f, fc.boolean()])) as never),
  minScheduleIntervalMinutes: fc.integer({ min: 1, max: 1440 }),
  maxRetention: limitArb,
  quotas: fc.record(Object.fromEntries(QUOTA_NAMES.map((q) => [q, limitArb])) as never),
});
const useArb = fc.record({
  quota: fc.constantFrom(...QUOTA_NAMES),
  used: fc.nat({ max: 2000 }),
  adding: fc.integer({ min: -5, max: 2000 }),
});

describe('quota refusal', () => {
  it('refuses exactly when what a write adds takes the tenant past a set limit', () => {
    fc.assert(
      fc.property(planArb, useArb, (plan, use) => {
        const limit = plan.quotas[use.quota];
        const model = limit !== null && use.adding > 0 && use.used + use.adding > limit;
        const refusal = quotaRefusal('p', plan, use);
        expect(refusal !== undefined).toBe(model);
        if (refusal) {
          expect(refusal.quota).toBe(use.quota);
          expect(refusal.limit).toBe(limit);
          expect(refusal.message).toContain(`quota ${use.quota}`);
        }
      }),
    );
  });

  it('never refuses a write that adds nothing, however far over its quota a tenant is (a downgrade keeps data)', () => {
    fc.assert(
      fc.property(planArb, useArb, (plan, use) => {
        expect(quotaRefusal('p', plan, { ...use, used: use.used + 5000, adding: 0 })).toBeUndefined();
      }),
    );
  });

  it('names the plan, the limit and the use in its message, bytes as people read them', () => {
    const refusal = quotaRefusal(
      'free',
      mergePlan('free', { quotas: { backupBytes: 1024 ** 3 } }),
      { quota: 'backupBytes', used: 1024 ** 3 - 10, adding: 512 * 1024 ** 2 },
      'storage local',
    );
    expect(refusal?.message).toBe(
      'quota backupBytes (storage local): the free plan allows 1 GiB bytes of backups in total; 1024 MiB used, this would add 512 MiB',
    );
  });
});

describe('feature refusal', () => {
  it('refuses exactly the features the plan lacks, saying which and which plan', () => {
    fc.assert(
      fc.property(planArb, fc.constantFrom(...PLAN_FEATURES), (plan, feature) => {
        const refusal = featureRefusal('silver', plan, feature);
        expect(refusal === undefined).toBe(plan.features[feature]);
        if (refusal) expect(refusal.message).toMatch(/ are not part of the silver plan$/);
      }),
    );
  });

  it('says "backups are not part of the free plan" for a backup policy on the free plan', () => {
    const refusal = policyRefusal('free', BUILT_IN_PLANS.free as Plan, {
      kind: 'backup',
      snapshot: {},
      schedule: { cron: '0 2 * * *' },
      retention: { keepDaily: 7 },
    });
    expect(refusal?.message).toBe('backups are not part of the free plan');
  });
});

describe('shortest schedule interval', () => {
  const cronArb = fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 4 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 23 }), { minLength: 1, maxLength: 4 }),
    )
    .map(([minutes, hours]) => `${minutes.join(',')} ${hours.join(',')} * * *`);

  it('matches the smallest gap between the next ticks of a daily cron (independent evaluator)', () => {
    fc.assert(
      fc.property(cronArb, (cron) => {
        const from = Date.parse('2026-03-02T00:00:00Z');
        const ticks = nextRuns(parseCron(cron), 'UTC', from, 40);
        let gap = Number.POSITIVE_INFINITY;
        for (let index = 1; index < ticks.length; index++)
          gap = Math.min(gap, ((ticks[index] ?? 0) - (ticks[index - 1] ?? 0)) / 60_000);
        expect(shortestIntervalMinutes(cron)).toBe(gap);
      }),
    );
  });

  it('reads every-five-minutes as 5 and a daily schedule as a day', () => {
    expect(shortestIntervalMinutes('*/5 * * * *')).toBe(5);
    expect(shortestIntervalMinutes('0 2 * * *')).toBe(1440);
  });
});

describe('policy gates', () => {
  it('refuses a policy exactly when the plan lacks its kind, its RAM state, its frequency or its retention', () => {
    const policyArb = fc.record({
      kind: fc.constantFrom('snapshot' as const, 'backup' as const),
      snapshot: fc.record({ includeMemory: fc.boolean() }),
      schedule: fc.constantFrom('*/5 * * * *', '0 * * * *', '0 2 * * *').map((cron) => ({ cron })),
      retention: fc.record(
        { keepLast: fc.nat({ max: 30 }), keepDaily: fc.nat({ max: 30 }) },
        { requiredKeys: [] },
      ),
    });
    fc.assert(
      fc.property(planArb, policyArb, (plan, policy) => {
        const interval = shortestIntervalMinutes(policy.schedule.cron);
        const keeps = retentionCount(policy.retention);
        const allowed =
          (policy.kind !== 'backup' || plan.features.backups) &&
          (policy.kind === 'backup' || !policy.snapshot.includeMemory || plan.features.ramSnapshots) &&
          interval >= plan.minScheduleIntervalMinutes &&
          (plan.maxRetention === null || keeps <= plan.maxRetention);
        expect(policyRefusal('p', plan, policy) === undefined).toBe(allowed);
      }),
    );
  });

  it('counts a retention rule without keep counts as keeping everything', () => {
    expect(retentionCount({ maxAgeDays: 30 })).toBe(Number.POSITIVE_INFINITY);
    expect(retentionCount({ keepLast: 3, keepDaily: 7 })).toBe(10);
  });
});

describe('plan table', () => {
  it('lays the operator override over the built-in plan, field by field', () => {
    const table = planTable(
      new Map([
        ['free', { quotas: { clusters: 2 } }],
        ['gold', { maxRetention: 99 }],
      ]),
    );
    expect(planOf(table, 'free').quotas.clusters).toBe(2);
    expect(planOf(table, 'free').quotas.policies).toBe(BUILT_IN_PLANS.free?.quotas.policies);
    expect(planOf(table, 'gold').maxRetention).toBe(99);
    expect(planOf(table, 'gold').features).toEqual(BUILT_IN_PLANS.standard?.features);
  });

  it('reads a plan the operator removed as free', () => {
    expect(planOf(planTable(), 'retired')).toEqual(BUILT_IN_PLANS.free);
  });
});

describe('a run guest under its plan', () => {
  const usageArb = fc.record({
    snapshotsHeld: fc.nat({ max: 50 }),
    backupBytes: fc.nat({ max: 5000 }),
    backupBytesOnStorage: fc.nat({ max: 5000 }),
    backupEstimate: fc.integer({ min: 1, max: 500 }),
  });
  const commandArb = fc.oneof(
    fc.record({ type: fc.constant('createSnapshot' as const), vmstate: fc.boolean() }),
    fc.record({ type: fc.constant('vzdump' as const), storage: fc.constantFrom('local', 'backup-nfs') }),
  );

  it('is refused exactly when the plan lacks the feature or the command passes a quota (brute-force model)', () => {
    fc.assert(
      fc.property(planArb, commandArb, usageArb, (plan, command, usage) => {
        const over = (limit: number | null, used: number, adding: number) =>
          limit !== null && used + adding > limit;
        const model =
          command.type === 'createSnapshot'
            ? (command.vmstate && !plan.features.ramSnapshots) ||
              over(plan.quotas.snapshotsPerGuest, usage.snapshotsHeld, 1)
            : !plan.features.backups ||
              over(plan.quotas.backupBytes, usage.backupBytes, usage.backupEstimate) ||
              over(plan.quotas.backupBytesPerStorage, usage.backupBytesOnStorage, usage.backupEstimate);
        expect(runGuestRefusal('p', plan, command, usage, 'cl.100') !== undefined).toBe(model);
      }),
    );
  });
});
