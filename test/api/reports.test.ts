import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBackupId } from '#shared/domain/backup/backup-record.ts';
import type { Operation } from '#shared/domain/operation.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { seedRun } from '#test/support/history.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Day 0 of the seeded history: a UTC midnight ten days ago (records of the past few days, well within their TTL). */
const D0 = Math.floor(Date.now() / DAY) * DAY - 10 * DAY;
const at = (days: number, hours = 0, seconds = 0) =>
  new Date(D0 + days * DAY + hours * HOUR + seconds * 1000).toISOString();
const FROM = at(0);
const TO = at(4);
/** A name a spreadsheet would run as a formula and a browser as markup. */
const HOSTILE = `=HYPERLINK("http://x") <script>alert('x')</script> & co`;

let api: TestApi;
let admin: Caller;
let viewer: Caller;
let clusterId: string;
let policyId: string;
let g100: string;
let g101: string;

function restore(
  id: string,
  guestId: string,
  kind: Operation['kind'],
  createdAt: string,
  status: Operation['status'],
  error?: string,
): Operation {
  return {
    id,
    tenantId: 'acme',
    kind,
    guestId,
    snapshotName: 'seed-x',
    status,
    request: {},
    requestedBy: 'alice',
    createdAt,
    finishedAt: createdAt,
    ...(error ? { error } : {}),
  };
}

/**
 * Four days of a nightly (02:00 UTC) policy over guests 100 (node pve1) and 101 (pve2):
 * day 0 both succeed (60 s, 30 s), day 1 101 fails on a task (100 took 120 s), day 2 no
 * scheduled run but a manual one at 10:00 fails on both (locks), day 3 both succeed (90 s, 50 s).
 * Guest 100 also has a backup of the policy (day 2, 03:00, 1000 bytes); guest 101 an external
 * backup (day 0 05:00, 500 bytes, deleted day 1 12:00). Restores: in place on day 2 (succeeded),
 * to a new guest on day 3 (failed), one before the period and a snapshot operation (neither counts).
 */
beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  viewer = await api.as('acme', 'viewer');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  g100 = `${clusterId}.100`;
  g101 = `${clusterId}.101`;
  api.setNow(D0 - DAY);
  const policy = await admin.post(
    '/v1/policies',
    policyBody({
      name: HOSTILE,
      schedule: { cron: '0 2 * * *', timezone: 'UTC' },
      selector: { guests: [g100, g101] },
      retention: { keepLast: 3 },
    }),
  );
  expect(policy.status).toBe(201);
  policyId = policy.body.id;
  const store = api.runtime.store;
  const run = (id: string, scheduledTime: string, trigger: 'schedule' | 'manual' = 'schedule') => ({
    id,
    tenantId: 'acme',
    policyId,
    policyName: HOSTILE,
    scheduledTime,
    trigger,
  });
  await seedRun(store, run('run_day0', at(0, 2)), [
    { guestId: g100, vmid: 100, node: 'pve1', seconds: 60 },
    { guestId: g101, vmid: 101, node: 'pve2', seconds: 30 },
  ]);
  await seedRun(store, run('run_day1', at(1, 2)), [
    { guestId: g100, vmid: 100, node: 'pve1', seconds: 120 },
    {
      guestId: g101,
      vmid: 101,
      node: 'pve2',
      error: "snapshot 'seed-1' failed: got timeout",
      errorType: 'ProxmoxTaskFailedError',
    },
  ]);
  await seedRun(store, run('run_day2m', at(2, 10), 'manual'), [
    {
      guestId: g100,
      vmid: 100,
      node: 'pve1',
      error: 'VM 100 is locked (backup)',
      errorType: 'ProxmoxLockedError',
    },
    {
      guestId: g101,
      vmid: 101,
      node: 'pve2',
      error: 'VM 101 is locked (backup)',
      errorType: 'ProxmoxLockedError',
    },
  ]);
  await seedRun(store, run('run_day3', at(3, 2)), [
    { guestId: g100, vmid: 100, node: 'pve1', seconds: 90 },
    { guestId: g101, vmid: 101, node: 'pve2', seconds: 50 },
  ]);
  const backup = { tenantId: 'acme', clusterId, guestType: 'qemu' as const, storage: 'local' };
  await store.backups.put({
    ...backup,
    id: formatBackupId(g100, 'local:backup/vzdump-qemu-100.vma.zst'),
    guestId: g100,
    node: 'pve1',
    vmid: 100,
    size: 1000,
    createdAt: at(2, 3),
    status: 'created',
    origin: 'policy',
    policyId,
  });
  await store.backups.put({
    ...backup,
    id: formatBackupId(g101, 'local:backup/vzdump-qemu-101.vma.zst'),
    guestId: g101,
    node: 'pve2',
    vmid: 101,
    size: 500,
    createdAt: at(0, 5),
    status: 'deleted',
    deletedAt: at(1, 12),
    origin: 'external',
  });
  await store.operations.create(restore('op_1', g100, 'restore-in-place', at(2, 12), 'succeeded'));
  await store.operations.create(
    restore('op_2', g101, 'restore-new-guest', at(3, 12), 'failed', 'clone failed: storage full'),
  );
  await store.operations.create(restore('op_0', g101, 'restore-in-place', at(-1, 12), 'succeeded'));
  await store.operations.create(restore('op_3', g101, 'snapshot', at(3, 13), 'succeeded'));
  api.setNow(D0 + 4 * DAY + 12 * HOUR);
});
afterAll(() => api.stop());

const PERIOD = 96 * 3600;
/** Guest 100 met the objective (a day plus a quarter day's grace) from its first point, day 0 02:01, to the end. */
const SHARE_100 = (PERIOD - (2 * 3600 + 60)) / PERIOD;
/** Guest 101: day 0 02:00:30 for 30 h (a day and its grace), then day 3 02:00:50 to the end (21 h 59 min 10 s). */
const SHARE_101 = (30 * 3600 + 21 * 3600 + 59 * 60 + 10) / PERIOD;

describe('GET /v1/reports/compliance', () => {
  it('reports the seeded period with hand-derived figures', async () => {
    const response = await viewer.get(`/v1/reports/compliance?from=${FROM}&to=${TO}`);
    expect(response.status).toBe(200);
    const report = response.body;
    expect(report.policies).toHaveLength(1);
    const [policy] = report.policies;
    expect(policy).toMatchObject({
      policyId,
      policyName: HOSTILE,
      rpoMinutes: 24 * 60,
      // Ticks at 02:00 on days 0-3; days 0, 1 and 3 were served; the manual run is counted apart.
      runs: {
        expected: 4,
        run: 3,
        manual: 1,
        succeeded: 2,
        partiallyFailed: 1,
        failed: 1,
        skipped: 0,
        running: 0,
        successRate: 0.5,
      },
    });
    const guest = (id: string) => policy.guests.find((entry: { guestId: string }) => entry.guestId === id);
    expect(guest(g100)).toMatchObject({
      vmid: 100,
      snapshots: { count: 3, oldest: at(0, 2, 60), newest: at(3, 2, 90) },
      backups: { count: 1, oldest: at(2, 3), newest: at(2, 3) },
      // keepLast 3 over the four ticks since its first: 3 promised; 3 snapshots and a backup exist.
      retention: { promised: 3, observed: 4 },
    });
    expect(guest(g100).rpoShare).toBeCloseTo(SHARE_100, 9);
    expect(guest(g101)).toMatchObject({
      snapshots: { count: 2, oldest: at(0, 2, 30), newest: at(3, 2, 50) },
      backups: { count: 0 },
      retention: { promised: 3, observed: 2 },
    });
    expect(guest(g101).rpoShare).toBeCloseTo(SHARE_101, 9);
    expect(report.tenant).toMatchObject({
      policies: 1,
      runsExpected: 4,
      runsRun: 3,
      successRate: 0.5,
      guests: 2,
      guestsMeetingRpo: 0,
      restores: { total: 2, succeeded: 1, failed: 1 },
    });
    expect(report.tenant.averageRpoShare).toBeCloseTo((SHARE_100 + SHARE_101) / 2, 9);
    expect(
      report.restores.map((entry: { operationId: string; status: string }) => [
        entry.operationId,
        entry.status,
      ]),
    ).toEqual([
      ['op_1', 'succeeded'],
      ['op_2', 'failed'],
    ]);
    expect(report.restores[1].error).toBe('clone failed: storage full');
  });

  it('exports CSV that parses back to the same figures, a formula-like name defused', async () => {
    const response = await viewer.get(`/v1/reports/compliance?from=${FROM}&to=${TO}`, { accept: 'text/csv' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const [header, ...rows] = parseCsv(response.text);
    const records = rows.map((row) =>
      Object.fromEntries((header as string[]).map((column, i) => [column, row[i]])),
    );
    const policyRow = records.find((row) => row.section === 'policy');
    expect(policyRow).toMatchObject({
      policyName: `'${HOSTILE}`,
      runsExpected: '4',
      runsRun: '3',
      runsManual: '1',
      successRate: '0.5',
    });
    const guestRow = records.find((row) => row.section === 'guest' && row.guestId === g100);
    expect(guestRow).toMatchObject({
      vmid: '100',
      retentionPromised: '3',
      retentionObserved: '4',
      snapshots: '3',
      backups: '1',
      oldestSnapshot: at(0, 2, 60),
    });
    expect(Number(guestRow?.rpoShare)).toBeCloseTo(SHARE_100, 9);
    expect(
      records
        .filter((row) => row.section === 'restore')
        .map((row) => [row.operationId, row.restoreStatus, row.error]),
    ).toEqual([
      ['op_1', 'succeeded', ''],
      ['op_2', 'failed', 'clone failed: storage full'],
    ]);
    expect((await viewer.get(`/v1/reports/compliance?from=${FROM}&to=${TO}&format=csv`)).text).toBe(
      response.text,
    );
  });

  it('prints a self-contained HTML page with every name escaped', async () => {
    const response = await viewer.get(`/v1/reports/compliance?from=${FROM}&to=${TO}&format=html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = response.text;
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co');
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).toContain('50.0 %');
    const byAccept = await viewer.get(`/v1/reports/compliance?from=${FROM}&to=${TO}`, {
      accept: 'text/html',
    });
    const undated = (page: string) => page.replace(/generated [^.]+\.\d+Z/, 'generated');
    expect(byAccept.headers.get('content-type')).toContain('text/html');
    expect(undated(byAccept.text)).toBe(undated(html));
  });

  it.each([
    ['a period over 400 days', `from=${at(-401)}&to=${at(0)}`, 'period.too_long'],
    ['from after to', `from=${at(2)}&to=${at(1)}`, 'period.order'],
    ['a malformed time', 'from=yesterday', 'invalid_format'],
    ['an unknown format', 'format=pdf', 'invalid_value'],
  ])('refuses %s with a clear 400', async (_label, query, rule) => {
    const response = await viewer.get(`/v1/reports/compliance?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((error: { rule: string }) => error.rule)).toContain(rule);
  });

  it('shows a tenant only its own records', async () => {
    const other = await api.as('globex', 'admin');
    const report = (await other.get(`/v1/reports/compliance?from=${FROM}&to=${TO}`)).body;
    expect(report.policies).toEqual([]);
    expect(report.restores).toEqual([]);
    expect(report.tenant).toMatchObject({ policies: 0, runsExpected: 0, guests: 0 });
    const stats = (await other.get(`/v1/stats?from=${FROM}&to=${TO}`)).body;
    expect(stats.failureReasons).toEqual([]);
    expect(stats.taskDurations).toEqual([]);
    expect(stats.storage).toBeUndefined();
    expect(
      stats.runs.every((bucket: Record<string, unknown>) => bucket.succeeded === 0 && bucket.failed === 0),
    ).toBe(true);
  });
});

describe('GET /v1/stats', () => {
  it('answers the seeded period in fixed, zero-filled day buckets with hand-derived figures', async () => {
    const response = await viewer.get(`/v1/stats?from=${FROM}&to=${TO}&bucket=day`);
    expect(response.status).toBe(200);
    const stats = response.body;
    const zero = { running: 0, succeeded: 0, partially_failed: 0, failed: 0, skipped: 0, cancelled: 0 };
    expect(stats.runs).toEqual([
      { start: at(0), ...zero, succeeded: 1 },
      { start: at(1), ...zero, partially_failed: 1 },
      { start: at(2), ...zero, failed: 1 },
      { start: at(3), ...zero, succeeded: 1 },
    ]);
    // pve1: 60, 120, 90 s; pve2: 30, 50 s (nearest rank).
    expect(stats.taskDurations).toEqual([
      { node: 'pve1', tasks: 3, p50Seconds: 90, p95Seconds: 120 },
      { node: 'pve2', tasks: 2, p50Seconds: 30, p95Seconds: 50 },
    ]);
    expect(stats.failureReasons).toEqual([
      {
        reason: 'VM <n> is locked (backup)',
        count: 2,
        example: 'VM 100 is locked (backup)',
        errorTypes: ['ProxmoxLockedError'],
      },
      {
        reason: "snapshot '<name>' failed: got timeout",
        count: 1,
        example: "snapshot 'seed-1' failed: got timeout",
        errorTypes: ['ProxmoxTaskFailedError'],
      },
    ]);
    // The external 500 bytes lived from day 0 05:00 to day 1 12:00; the policy's 1000 from day 2 03:00.
    expect(stats.storage).toEqual([
      { start: at(0), bytes: 500 },
      { start: at(1), bytes: 0 },
      { start: at(2), bytes: 1000 },
      { start: at(3), bytes: 1000 },
    ]);
  });

  it('buckets by the hour when asked, and bounds the period', async () => {
    const hourly = (await viewer.get(`/v1/stats?from=${at(1)}&to=${at(1, 6)}&bucket=hour`)).body;
    expect(hourly.runs.map((bucket: { start: string }) => bucket.start)).toEqual(
      [0, 1, 2, 3, 4, 5].map((h) => at(1, h)),
    );
    expect(hourly.runs[2].partially_failed).toBe(1);
    expect((await viewer.get(`/v1/stats?from=${at(-500)}&to=${at(0)}`)).status).toBe(400);
    expect((await viewer.get('/v1/stats?bucket=week')).status).toBe(400);
  });
});

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks; lines end with CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += char;
  }
  return rows;
}
