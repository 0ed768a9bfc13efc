import type { Run } from '#shared/domain/run.ts';

/** A scheduled run of policy `pol_1` for tenant `acme`, just started. */
export const testRun = (overrides: Partial<Run> = {}): Run => ({
  id: 'run_1',
  tenantId: 'acme',
  policyId: 'pol_1',
  policyName: 'nightly',
  scheduledTime: '2026-01-01T02:00:00.000Z',
  trigger: 'schedule',
  status: 'running',
  targets: 3,
  succeeded: 0,
  failed: 0,
  createdAt: '2026-01-01T02:00:00.000Z',
  ...overrides,
});
