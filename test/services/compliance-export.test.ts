import { describe, expect, it } from 'vitest';
import { complianceReport } from '#shared/domain/insight/compliance.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { complianceToCsv } from '#shared/services/insight/compliance-csv.ts';
import { complianceToHtml } from '#shared/services/insight/compliance-html.ts';

const HOSTILE = `"><img src=x onerror=alert(1)>&amp;'`;
const NOW = Date.parse('2026-06-10T00:00:00Z');

const policy: Policy = {
  id: 'pol_1',
  tenantId: 't',
  name: 'nightly',
  description: '',
  enabled: true,
  schedule: { cron: '0 2 * * *', timezone: 'UTC', missedRuns: 'skip' },
  snapshot: { includeMemory: false, quiesce: false, namePrefix: 'auto' },
  retention: { keepLast: 2 },
  selector: {
    guests: ['c.100'],
    tags: [],
    pools: [],
    nodes: [],
    all: false,
    exclude: { guests: [], tags: [] },
  },
  notify: { onSuccess: false, onFailure: true },
  concurrency: { perNode: 2 },
  schedulerExpression: 'cron(0 2 * * ? *)',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
};

const input: Parameters<typeof complianceReport>[0] = {
  fromMs: NOW - 7 * 86_400_000,
  toMs: NOW,
  nowMs: NOW,
  policies: [policy],
  runs: [],
  guests: new Map([
    [
      'c.100',
      {
        id: 'c.100',
        tenantId: 't',
        clusterId: 'c',
        vmid: 100,
        type: 'qemu',
        node: 'pve1',
        name: HOSTILE,
        status: 'running',
        template: false,
        tags: [],
        gone: false,
        firstSeenAt: '2026-01-01T00:00:00Z',
        lastSeenAt: '2026-01-01T00:00:00Z',
      },
    ],
  ]),
  policyGuests: new Map([['pol_1', ['c.100']]]),
  snapshots: new Map(),
  backups: new Map(),
  operations: [
    {
      id: 'op_1',
      tenantId: 't',
      kind: 'restore-in-place',
      guestId: 'c.100',
      snapshotName: '=cmd|calc',
      status: 'failed',
      request: {},
      requestedBy: '<b>mallory</b>',
      createdAt: '2026-06-09T00:00:00Z',
      error: `<script>alert("x")</script>`,
    },
  ],
};
const report = complianceReport(input);

describe('compliance exports', () => {
  it('escapes every name and text in the HTML page, which loads nothing', () => {
    const html = complianceToHtml(report);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;&#39;');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toMatch(/<(link|script|img|iframe)\b|url\(/i);
  });

  it('defuses formula starts and quotes fields in the CSV', () => {
    const csv = complianceToCsv(report);
    expect(csv).toContain(`"""><img src=x onerror=alert(1)>&amp;'"`);
    expect(csv).toContain(",'=cmd|calc,");
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('promises what the retention rule keeps of the ticks since the guest was first served', () => {
    // keepLast 2 over daily ticks since the policy's creation: 2 points promised, none observed.
    expect(report.policies[0]?.guests[0]?.retention).toEqual({ promised: 2, observed: 0 });
    expect(report.policies[0]?.guests[0]?.rpoShare).toBe(0);
    expect(report.policies[0]?.runs.expected).toBe(7);
  });

  it('measures the objective from the policy\u2019s creation and promises the points manual runs made too', () => {
    const created = NOW - 86_400_000;
    const young = complianceReport({
      ...input,
      policies: [{ ...policy, createdAt: new Date(created).toISOString(), retention: { keepLast: 5 } }],
      operations: [],
      snapshots: new Map([
        [
          'c.100',
          [0, 1].map((index) => ({
            tenantId: 't',
            guestId: 'c.100',
            name: `m${index}`,
            policyId: 'pol_1',
            status: 'created' as const,
            vmstate: false,
            createdAt: new Date(created + (index + 1) * 60_000).toISOString(),
          })),
        ],
      ]),
    });
    const [guest] = young.policies[0]?.guests ?? [];
    // Nothing for the first minute of the policy's day, then a point within the objective.
    expect(guest?.rpoShare).toBeCloseTo((86_400 - 60) / 86_400, 9);
    // Two manual points and the one tick since (02:00): keepLast 5 keeps all three.
    expect(guest?.retention).toEqual({ promised: 3, observed: 2 });
  });
});
