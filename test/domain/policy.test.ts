import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/domain/errors.ts';
import { checkPolicySpec, type PolicySpec } from '#shared/domain/policy.ts';

const spec = (timezone: string, cron = '0 2 * * *'): PolicySpec => ({
  name: 'nightly',
  description: '',
  enabled: true,
  schedule: { cron, timezone, missedRuns: 'skip' },
  snapshot: { includeMemory: false, quiesce: false, namePrefix: 'auto' },
  retention: { keepDaily: 7 },
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
});

const issuesOf = (value: PolicySpec) => {
  try {
    checkPolicySpec(value);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
};

describe('the policy rules', () => {
  it('accepts a zone in its canonical spelling', () => {
    expect(issuesOf(spec('Europe/Berlin'))).toEqual([]);
  });

  it('refuses a zone in any other spelling, naming the canonical one (the API spells it so first)', () => {
    expect(issuesOf(spec('europe/berlin'))).toEqual([
      {
        path: 'schedule.timezone',
        rule: 'timezone.canonical',
        message: "write the time zone as the IANA database spells it: 'Europe/Berlin'",
      },
    ]);
  });

  it('refuses a schedule that never fires', () => {
    expect(issuesOf(spec('UTC', '0 0 31 2 *'))).toEqual([
      { path: 'schedule.cron', rule: 'cron.never-fires', message: 'never fires: February has no day 31' },
    ]);
  });
});

describe('snapshot name prefixes', () => {
  it('refuses the prefixes of snapshots taken by hand, whose run-now names would read as manual ones', () => {
    for (const namePrefix of ['manual', 'safety']) {
      const value = { ...spec('UTC'), snapshot: { ...spec('UTC').snapshot, namePrefix } };
      expect(issuesOf(value)).toEqual([
        expect.objectContaining({ path: 'snapshot.namePrefix', rule: 'snapshot.name-prefix.reserved' }),
      ]);
    }
    const other = { ...spec('UTC'), snapshot: { ...spec('UTC').snapshot, namePrefix: 'manually' } };
    expect(issuesOf(other)).toEqual([]);
  });
});
