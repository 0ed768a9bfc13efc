import type { Policy, PolicySpec } from '#shared/domain/policy.ts';

/** A valid policy spec for tests that talk to services directly; override any part. */
export function testPolicySpec(overrides: Partial<PolicySpec> = {}): PolicySpec {
  return {
    name: 'nightly',
    description: '',
    enabled: true,
    schedule: { cron: '0 2 * * *', timezone: 'UTC', missedRuns: 'skip' },
    snapshot: { includeMemory: false, quiesce: false, namePrefix: 'auto' },
    retention: {},
    selector: {
      guests: [],
      tags: ['prod'],
      pools: [],
      nodes: [],
      all: false,
      exclude: { guests: [], tags: [] },
    },
    notify: { onSuccess: false, onFailure: true },
    concurrency: { perNode: 2 },
    ...overrides,
  };
}

/** A stored policy of tenant `acme`; override any part (keep `schedulerExpression` in line with the cron). */
export function testPolicy(overrides: Partial<Policy> = {}): Policy {
  return {
    ...testPolicySpec(),
    id: 'pol_01JD0000000000000000000001',
    tenantId: 'acme',
    schedulerExpression: 'cron(0 2 * * ? *)',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    version: 1,
    ...overrides,
  };
}
