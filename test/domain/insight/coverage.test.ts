import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import {
  COVERAGE_STATES,
  type CoverageState,
  computeCoverage,
  coverageReport,
} from '#shared/domain/insight/coverage.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { selectTargets } from '#shared/domain/select-targets.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const TAGS = ['prod', 'db', 'web'];

const guest = (vmid: number, over: Partial<Guest> = {}): Guest => ({
  id: `cl.${vmid}`,
  tenantId: 't',
  clusterId: 'cl',
  vmid,
  type: 'qemu',
  node: 'pve1',
  name: `g${vmid}`,
  status: 'running',
  template: false,
  tags: [],
  gone: false,
  firstSeenAt: '2026-01-01T00:00:00Z',
  lastSeenAt: '2026-01-01T00:00:00Z',
  ...over,
});

const policy = (id: string, selector: Partial<Policy['selector']>, enabled = true): Policy => ({
  id,
  tenantId: 't',
  name: id,
  description: '',
  enabled,
  schedule: { cron: '0 2 * * *', timezone: 'UTC', missedRuns: 'skip' },
  snapshot: { includeMemory: false, quiesce: false, namePrefix: 'auto' },
  retention: {},
  selector: {
    guests: [],
    tags: [],
    pools: [],
    nodes: [],
    all: false,
    exclude: { guests: [], tags: [] },
    ...selector,
  },
  notify: { onSuccess: false, onFailure: true },
  concurrency: { perNode: 2 },
  schedulerExpression: 'cron(0 2 * * ? *)',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
});

const exclusion = (guestId: string, expiresAt?: string, policyId?: string): Exclusion => ({
  id: `ex-${guestId}`,
  tenantId: 't',
  guestId,
  ...(policyId ? { policyId } : {}),
  reason: 'maintenance',
  ...(expiresAt ? { expiresAt } : {}),
  createdAt: '2026-05-01T00:00:00Z',
  createdBy: 'admin',
});

describe('coverage', () => {
  it('tells each gap apart on a hand-made fleet', () => {
    const guests = [
      guest(100, { tags: ['prod'] }), // nightly: covered
      guest(101, { tags: ['prod', 'db'] }), // nightly and db-hourly: overlapping
      guest(102), // nothing selects it
      guest(103, { tags: ['web'] }), // only the disabled web policy
      guest(104, { tags: ['prod'], pool: 'p1' }), // excluded until tomorrow
      guest(105, { tags: ['prod'], template: true }), // a template: left out
      guest(106, { tags: ['prod'], gone: true }), // gone: left out
    ];
    const policies = [
      policy('nightly', { tags: ['prod'] }),
      policy('db-hourly', { tags: ['db'] }),
      policy('web', { tags: ['web'] }, false),
    ];
    const entries = computeCoverage(guests, policies, [exclusion('cl.104', '2026-06-02T00:00:00Z')], NOW);
    const states = Object.fromEntries(entries.map((entry) => [entry.guest.vmid, entry.state]));
    expect(states).toEqual({
      100: 'covered',
      101: 'overlapping',
      102: 'not-covered',
      103: 'only-disabled',
      104: 'excluded',
    });
    const excluded = entries.find((entry) => entry.guest.vmid === 104);
    expect(excluded?.exclusions).toEqual([
      { exclusionId: 'ex-cl.104', reason: 'maintenance', expiresAt: '2026-06-02T00:00:00Z' },
    ]);
    expect(entries.find((entry) => entry.guest.vmid === 101)?.overlappingKinds).toEqual(['snapshot']);
    const report = coverageReport(entries);
    expect(report.totals).toEqual({
      guests: 5,
      covered: 1,
      overlapping: 1,
      'not-covered': 1,
      'only-disabled': 1,
      excluded: 1,
    });
    expect(report.byTag.prod).toMatchObject({ guests: 3, covered: 1, overlapping: 1, excluded: 1 });
    expect(report.byPool.p1).toMatchObject({ guests: 1, excluded: 1 });
    expect(coverageReport(entries, { state: 'not-covered' }).guests.map((entry) => entry.guest.vmid)).toEqual(
      [102],
    );
    // Once the exclusion expired, the guest is covered again.
    const later = computeCoverage(
      guests,
      policies,
      [exclusion('cl.104', '2026-06-02T00:00:00Z')],
      NOW + 2 * 86_400_000,
    );
    expect(later.find((entry) => entry.guest.vmid === 104)?.state).toBe('covered');
  });

  it('agrees with the run selection, and the counts add up (property)', () => {
    const guestArb = (vmid: number) =>
      fc
        .record({
          tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
          node: fc.constantFrom('pve1', 'pve2'),
          pool: fc.option(fc.constantFrom('p1', 'p2'), { nil: undefined }),
        })
        .map(({ pool, ...rest }) => guest(vmid, { ...rest, ...(pool ? { pool } : {}) }));
    const guestsArb = fc
      .integer({ min: 0, max: 10 })
      .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => guestArb(100 + i))));
    const policyArb = (id: string) =>
      fc
        .record({
          tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
          nodes: fc.uniqueArray(fc.constantFrom('pve1', 'pve2'), { maxLength: 1 }),
          enabled: fc.boolean(),
        })
        .map(({ enabled, ...selector }) => policy(id, selector, enabled));
    const exclusionsArb = fc.array(
      fc
        .record({ vmid: fc.integer({ min: 100, max: 109 }), expired: fc.boolean(), forP0: fc.boolean() })
        .map((e) =>
          exclusion(
            `cl.${e.vmid}`,
            e.expired ? '2026-05-01T00:00:00Z' : undefined,
            e.forP0 ? 'p0' : undefined,
          ),
        ),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(
        guestsArb,
        fc.tuple(policyArb('p0'), policyArb('p1')),
        exclusionsArb,
        (guests, policies, exclusions) => {
          const entries = computeCoverage(guests, policies, exclusions, NOW);
          const enabledTargets = new Map<string, number>();
          for (const candidate of policies.filter((p) => p.enabled)) {
            for (const target of selectTargets(candidate, guests, exclusions, NOW).targets)
              enabledTargets.set(target.id, (enabledTargets.get(target.id) ?? 0) + 1);
          }
          for (const entry of entries) {
            const taken = enabledTargets.get(entry.guest.id) ?? 0;
            const expected: CoverageState[] =
              taken >= 2
                ? ['overlapping']
                : taken === 1
                  ? ['covered']
                  : ['not-covered', 'only-disabled', 'excluded'];
            expect(expected).toContain(entry.state);
          }
          const report = coverageReport(entries);
          expect(COVERAGE_STATES.reduce((sum, state) => sum + report.totals[state], 0)).toBe(entries.length);
          for (const group of [report.byCluster, report.byNode]) {
            expect(Object.values(group).reduce((sum, counts) => sum + counts.guests, 0)).toBe(entries.length);
          }
        },
      ),
    );
  });
});
