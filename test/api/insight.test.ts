import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startWebhookReceiver } from '#test/support/notification-receivers.ts';

let api: TestApi;
let admin: Caller;
let viewer: Caller;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let clusterId: string;
const HOUR = 3_600_000;
const policies: Record<string, string> = {};

const daily = (name: string, overrides: Record<string, unknown>) =>
  policyBody({ name, schedule: { cron: '0 2 * * *', timezone: 'UTC' }, ...overrides });

async function runNow(policyId: string): Promise<void> {
  expect((await admin.post(`/v1/policies/${policyId}/runs`)).status).toBe(202);
  await api.runtime.workflows.drain();
}

const rpoEvents = () =>
  hooks.received
    .map((hook) => JSON.parse(hook.body))
    .filter((event) => event.type === 'rpo.breached' || event.type === 'rpo.recovered')
    .map((event) => `${event.type} ${event.data.guestId.split('.').at(-1)} ${event.data.kind}`)
    .sort();

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  viewer = await api.as('acme', 'viewer');
  hooks = await startWebhookReceiver();
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  // The demo cluster: 100, 101 (web, prod), 102 (db, prod), 103 (ci), 104 (staging), 200, 201
  // (infra, prod), 202 (infra), 203 (no tag), 9000 (a template).
  for (const [name, body] of Object.entries({
    web: daily('web', { selector: { tags: ['web'] } }),
    db: daily('db', { selector: { tags: ['db'] } }),
    // 101 twice (with web), and an objective of one hour.
    'web-02': daily('web-02', { selector: { guests: ['lab/101'] }, rpo: 60 }),
    infra: daily('infra', { selector: { tags: ['infra'] }, enabled: false }),
    ghost: daily('ghost', { selector: { tags: ['no-such-tag'] } }),
  })) {
    const created = await admin.post('/v1/policies', body);
    if (created.status !== 201) throw new Error(created.text);
    policies[name] = created.body.id;
  }
  const tomorrow = new Date(Date.now() + 24 * HOUR).toISOString();
  await admin.post('/v1/exclusions', { guestId: 'lab/102', reason: 'disk migration', expiresAt: tomorrow });
  const subscribed = await admin.post('/v1/subscriptions', {
    kind: 'webhook',
    target: hooks.url('/rpo'),
    filters: { types: ['rpo.breached', 'rpo.recovered'] },
  });
  if (subscribed.status !== 201) throw new Error(subscribed.text);
}, 120_000);
afterAll(async () => {
  await api.stop();
  await hooks.stop();
});

describe('coverage report', () => {
  it('lists every guest with its policies and each gap, with hand-counted totals', async () => {
    const report = await viewer.get('/v1/reports/coverage?limit=200');
    expect(report.status).toBe(200);
    const states = Object.fromEntries(
      report.body.items.map((item: { vmid: number; state: string }) => [item.vmid, item.state]),
    );
    expect(states).toEqual({
      100: 'covered',
      101: 'overlapping',
      102: 'excluded',
      103: 'not-covered',
      104: 'not-covered',
      200: 'only-disabled',
      201: 'only-disabled',
      202: 'only-disabled',
      203: 'not-covered',
    });
    expect(report.body.totals).toEqual({
      guests: 9,
      covered: 1,
      overlapping: 1,
      excluded: 1,
      'not-covered': 3,
      'only-disabled': 3,
    });
    const excluded = report.body.items.find((item: { vmid: number }) => item.vmid === 102);
    expect(excluded.exclusions).toEqual([
      expect.objectContaining({ reason: 'disk migration', expiresAt: expect.any(String) }),
    ]);
    expect(excluded.exclusions[0].policyId).toBeUndefined();
    const twice = report.body.items.find((item: { vmid: number }) => item.vmid === 101);
    expect(twice.policies.map((policy: { name: string }) => policy.name)).toEqual(['web', 'web-02']);
    expect(twice.overlappingKinds).toEqual(['snapshot']);
    // pve1: 100 (covered), 101 (overlapping), 200 (only disabled); the template is left out.
    expect(report.body.byNode[`${clusterId}/pve1`]).toEqual({
      guests: 3,
      covered: 1,
      overlapping: 1,
      excluded: 0,
      'not-covered': 0,
      'only-disabled': 1,
    });
    expect(report.body.byTag.prod).toMatchObject({ guests: 5, covered: 1, overlapping: 1, excluded: 1 });
    expect(report.body.byPool.production.guests).toBe(5);
  });

  it('filters by cluster name, node, tag, pool and state, and pages by guest id', async () => {
    const vmids = async (query: string) =>
      (await viewer.get(`/v1/reports/coverage?${query}`)).body.items.map(
        (item: { vmid: number }) => item.vmid,
      );
    expect(await vmids('state=not-covered')).toEqual([103, 104, 203]);
    expect(await vmids('cluster=lab&node=pve3')).toEqual([104, 202, 203]);
    expect(await vmids('tag=infra&state=only-disabled')).toEqual([200, 201, 202]);
    expect(await vmids('pool=staging')).toEqual([104]);
    expect(await vmids('cluster=nowhere')).toEqual([]);
    const first = await viewer.get('/v1/reports/coverage?limit=4');
    expect(first.body.items).toHaveLength(4);
    const second = await viewer.get(`/v1/reports/coverage?limit=200&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { vmid: number }) => item.vmid)).toEqual([104, 200, 201, 202, 203]);
    expect(second.body.totals.guests).toBe(9);
  });

  it('exports CSV with spreadsheet formulas defused', async () => {
    const formula = await admin.post('/v1/exclusions', {
      guestId: 'lab/100',
      policyId: policies.web,
      reason: '=1+2',
    });
    const csv = await viewer.get('/v1/reports/coverage?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'guestId,name,clusterId,node,vmid,pool,tags,state,policies,disabledPolicies,exclusionReason,exclusionExpiresAt',
    );
    expect(lines).toHaveLength(10);
    expect(lines.find((line) => line.startsWith(`${clusterId}.101,`))).toContain(',overlapping,web; web-02,');
    expect(lines.find((line) => line.startsWith(`${clusterId}.200,`))).toContain(',only-disabled,,infra,');
    // A reason that starts like a formula is exported as text.
    expect(lines.find((line) => line.startsWith(`${clusterId}.100,`))).toContain(",excluded,,,'=1+2,never");
    const accepted = await viewer.get('/v1/reports/coverage', { accept: 'text/csv' });
    expect(accepted.text).toBe(csv.text);
    expect((await admin.delete(`/v1/exclusions/${formula.body.id}`)).status).toBe(204);
  });
});

describe('RPO report and check', () => {
  it('reports each guest a policy takes: late, missed, never; a policy that selects nothing; and the check publishes once per episode', {
    timeout: 120_000,
  }, async () => {
    const start = Date.now();
    await runNow(policies.web as string);
    const fresh = await viewer.get('/v1/reports/rpo?limit=200');
    const byVmid = (body: { items: Array<{ vmid: number }> }) =>
      Object.fromEntries(body.items.map((item) => [item.vmid, item])) as Record<number, any>;
    expect(byVmid(fresh.body)[100].snapshot).toMatchObject({
      state: 'ok',
      breached: false,
      expectedMinutes: 1440,
    });
    expect(byVmid(fresh.body)[101].snapshot).toMatchObject({ state: 'ok', expectedMinutes: 60 });
    expect(fresh.body.policies.find((p: { name: string }) => p.name === 'ghost')).toMatchObject({
      targets: 0,
      selectsNothing: true,
    });
    expect(fresh.body.policies.find((p: { name: string }) => p.name === 'web')).toMatchObject({
      targets: 2,
      expectedMinutes: 1440,
      expectedFrom: 'schedule',
    });

    const snappedAt: string = byVmid(fresh.body)[100].snapshot.newestAt;
    // 31 hours on, nothing ran (the schedules never fired): 100 is late (24 h + 6 h grace),
    // 101 missed (two hours and a quarter), the disabled infra policy's guests never had one, and
    // 102's exclusion (until tomorrow) has expired: the db policy takes it again, and it never had one.
    api.setNow(start + 31 * HOUR);
    try {
      const late = await viewer.get('/v1/reports/rpo?limit=200');
      const rows = byVmid(late.body);
      expect(Object.keys(rows).map(Number)).toEqual([100, 101, 102, 200, 201, 202]);
      expect(rows[102].snapshot).toMatchObject({ state: 'never', breached: true, policyIds: [policies.db] });
      expect(rows[100].snapshot).toMatchObject({
        state: 'late',
        breached: true,
        ageMinutes: Math.floor((start + 31 * HOUR - Date.parse(snappedAt)) / 60_000),
      });
      expect(rows[101].snapshot).toMatchObject({ state: 'missed', breached: true });
      expect(rows[200].snapshot).toMatchObject({ state: 'never', breached: true });
      expect(rows[100].backup).toBeUndefined();
      expect(
        (await viewer.get('/v1/reports/rpo?state=missed')).body.items.map((i: { vmid: number }) => i.vmid),
      ).toEqual([101]);

      const first = await api.runtime.rpoCheck();
      expect(first.find((summary) => summary.tenantId === 'acme')).toMatchObject({
        opened: 6,
        closed: 0,
        emptyPolicies: 1,
      });
      await api.runtime.notifications.idle();
      await hooks.waitFor(6);
      expect(rpoEvents()).toEqual([
        'rpo.breached 100 snapshot',
        'rpo.breached 101 snapshot',
        'rpo.breached 102 snapshot',
        'rpo.breached 200 snapshot',
        'rpo.breached 201 snapshot',
        'rpo.breached 202 snapshot',
      ]);
      // Checked again: the episodes are open, nothing new.
      expect((await api.runtime.rpoCheck()).find((s) => s.tenantId === 'acme')).toMatchObject({
        opened: 0,
        closed: 0,
      });

      // The web policy runs again: 100 and 101 recover, once.
      await runNow(policies.web as string);
      const recovered = await api.runtime.rpoCheck();
      expect(recovered.find((s) => s.tenantId === 'acme')).toMatchObject({ opened: 0, closed: 2 });
      await api.runtime.rpoCheck();
      await api.runtime.notifications.idle();
      await hooks.waitFor(8);
      expect(rpoEvents()).toEqual([
        'rpo.breached 100 snapshot',
        'rpo.breached 101 snapshot',
        'rpo.breached 102 snapshot',
        'rpo.breached 200 snapshot',
        'rpo.breached 201 snapshot',
        'rpo.breached 202 snapshot',
        'rpo.recovered 100 snapshot',
        'rpo.recovered 101 snapshot',
      ]);
      const breached = hooks.received
        .map((hook) => JSON.parse(hook.body))
        .find((event) => event.type === 'rpo.breached' && event.data.guestId.endsWith('.100'));
      expect(breached).toMatchObject({
        data: { kind: 'snapshot', state: 'late', expectedMinutes: 1440, newestAt: expect.any(String) },
      });
    } finally {
      api.setNow(Date.now());
    }
  });
});

describe('rules', () => {
  it('validates rpo on a policy', async () => {
    for (const rpo of [0, -5, 1.5, 'hourly', 527_041]) {
      const refused = await admin.post(
        '/v1/policies',
        daily(`bad-${String(rpo)}`, { selector: { all: true }, rpo }),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].path).toBe('rpo');
    }
    const patched = await admin.patch(`/v1/policies/${policies.ghost}`, { rpo: 90 });
    expect(patched.status).toBe(200);
    expect(patched.body.rpo).toBe(90);
  });

  it('keeps tenants apart and needs a token', async () => {
    const other = await api.as('globex', 'viewer');
    const coverage = await other.get('/v1/reports/coverage');
    expect(coverage.status).toBe(200);
    expect(coverage.body.totals.guests).toBe(0);
    expect((await other.get('/v1/reports/rpo')).body.items).toEqual([]);
    expect((await other.get(`/v1/guests/${clusterId}.100/snapshot-tree`)).status).toBe(404);
    expect((await api.raw().get('/v1/reports/coverage')).status).toBe(401);
    expect((await api.raw().get('/v1/reports/rpo')).status).toBe(401);
  });
});
