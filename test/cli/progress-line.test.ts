import { describe, expect, it } from 'vitest';
import { runLine } from '../../cli/wait.ts';
import type { Schemas } from '../../client/api-client.ts';

const run = (overrides: Partial<Schemas['RunWithResults']>): Schemas['RunWithResults'] => ({
  id: 'run_1',
  policyId: 'pol_1',
  policyName: 'nightly',
  status: 'running',
  trigger: 'manual',
  scheduledTime: '2026-12-01T02:00:00.000Z',
  targets: 0,
  succeeded: 0,
  failed: 0,
  createdAt: '2026-12-01T02:00:00.000Z',
  results: [],
  ...overrides,
});

describe("a run's progress line", () => {
  it('says the run is finding its guests before it knows them, rather than 0/0 done', () => {
    expect(runLine(run({}))).toBe('run run_1 (nightly): running, finding its guests');
  });

  it('counts the guests done once it knows them, and at the end', () => {
    expect(runLine(run({ targets: 3, succeeded: 1 }))).toBe(
      'run run_1 (nightly): running, 1/3 guests done, 1 succeeded, 0 failed',
    );
    expect(runLine(run({ status: 'succeeded', targets: 0 }))).toBe(
      'run run_1 (nightly): succeeded, 0/0 guests done, 0 succeeded, 0 failed',
    );
  });
});
