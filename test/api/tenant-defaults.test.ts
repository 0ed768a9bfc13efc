import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startMailSink, startWebhookReceiver } from '#test/support/notification-receivers.ts';

const PLANS = {
  standard: {
    timezone: 'Europe/Berlin',
    policy: {
      name: 'Daily protection',
      schedule: { cron: '0 1 * * *' },
      retention: { keepDaily: 7, keepWeekly: 4 },
      selector: { all: true },
    },
    subscriptions: [{ kind: 'email', target: 'noc@example.com', filters: { outcomes: ['failure'] } }],
  },
};

let api: TestApi;
let mail: Awaited<ReturnType<typeof startMailSink>>;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  mail = await startMailSink();
  hooks = await startWebhookReceiver();
  api = await startTestApi({ env: { SMTP_URL: mail.url, TENANT_PLANS: JSON.stringify(PLANS) } });
});
afterAll(async () => {
  await api.stop();
  await hooks.stop();
  await mail.stop();
});

describe('the plan defaults of a new tenant', () => {
  it('creates the default policy exactly once however many first requests race', async () => {
    const callers = await Promise.all(
      Array.from({ length: 8 }, (_, index) => api.as('newco', index % 2 ? 'viewer' : 'admin')),
    );
    const answers = await Promise.all(callers.map((caller) => caller.get('/v1/policies')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    const policies = (await (await api.as('newco', 'viewer')).get('/v1/policies')).body.items;
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({
      name: 'Daily protection',
      enabled: true,
      schedule: { cron: '0 1 * * *', timezone: 'Europe/Berlin' },
      retention: { keepDaily: 7, keepWeekly: 4 },
      selector: { all: true },
    });
  });

  it('subscribes the plan\u2019s email address once, pending its confirmation mail', async () => {
    await api.runtime.notifications.idle();
    const [confirmation] = await mail.waitFor(1);
    expect(confirmation?.to).toEqual(['noc@example.com']);
    const subscriptions = (await (await api.as('newco', 'admin')).get('/v1/subscriptions')).body.items;
    expect(subscriptions).toEqual([
      expect.objectContaining({ kind: 'email', target: 'noc@example.com', status: 'pending' }),
    ]);
    expect(subscriptions[0].filters).toEqual({ outcomes: ['failure'] });
  });

  it('lets the tenant delete the default policy, which never comes back', async () => {
    const admin = await api.as('newco', 'admin');
    const [policy] = (await admin.get('/v1/policies')).body.items;
    expect((await admin.delete(`/v1/policies/${policy.id}`)).status).toBe(204);
    const again = await Promise.all([api.as('newco', 'operator'), api.as('newco', 'admin')]);
    for (const caller of again) expect((await caller.get('/v1/policies')).body.items).toEqual([]);
  });

  it('records who created the defaults in the audit trail', async () => {
    const admin = await api.as('newco', 'admin');
    const events = (await admin.get('/v1/audit?action=policy.create')).body.items;
    expect(events).toEqual([expect.objectContaining({ actor: 'service:plan-defaults', outcome: 'success' })]);
  });

  it('starts the tenant in the plan\u2019s time zone', async () => {
    const viewer = await api.as('zoned', 'viewer');
    const settings = await viewer.get('/v1/settings');
    expect(settings.status).toBe(200);
    expect(settings.body).toEqual({
      plan: 'standard',
      timezone: 'Europe/Berlin',
      unprotectedGuestEvents: false,
      updatedAt: expect.any(String),
      version: 1,
    });
    expect(settings.headers.get('etag')).toBe('"1"');
  });
});

describe('tenant settings', () => {
  it('gives a policy created without a time zone the tenant\u2019s default zone', async () => {
    const admin = await api.as('zones', 'admin');
    const changed = await admin.patch('/v1/settings', { timezone: 'america/new_york' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ timezone: 'America/New_York', version: 2 });
    const body = policyBody({ name: 'No zone' });
    const { timezone: _zone, ...schedule } = body.schedule as Record<string, unknown>;
    const created = await admin.post('/v1/policies', { ...body, schedule });
    expect(created.status).toBe(201);
    expect(created.body.schedule.timezone).toBe('America/New_York');
    const explicit = await admin.post('/v1/policies', policyBody({ name: 'Own zone' }));
    expect(explicit.body.schedule.timezone).toBe((body.schedule as { timezone: string }).timezone);
  });

  it('refuses a zone that is no IANA name with 400, as for policies, and changes nothing', async () => {
    const admin = await api.as('badzone', 'admin');
    const before = (await admin.get('/v1/settings')).body;
    const refused = await admin.request('PUT', '/v1/settings', {
      body: { timezone: 'Mars/Olympus', unprotectedGuestEvents: true },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ path: 'timezone', rule: 'timezone.iana' }),
    ]);
    expect((await admin.get('/v1/settings')).body).toEqual(before);
  });

  it('refuses a stale If-Match with 412', async () => {
    const admin = await api.as('stale', 'admin');
    expect((await admin.patch('/v1/settings', { unprotectedGuestEvents: true })).status).toBe(200);
    const stale = await admin.patch('/v1/settings', { timezone: 'UTC' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect((await admin.get('/v1/settings')).body).toMatchObject({ timezone: 'Europe/Berlin', version: 2 });
  });

  it('lets viewers read the settings and only admins change them', async () => {
    const viewer = await api.as('roles', 'viewer');
    const operator = await api.as('roles', 'operator');
    expect((await viewer.get('/v1/settings')).status).toBe(200);
    for (const caller of [viewer, operator]) {
      const refused = await caller.patch('/v1/settings', { timezone: 'UTC' });
      expect(refused.status).toBe(403);
    }
    expect((await viewer.get('/v1/settings')).body).toMatchObject({ timezone: 'Europe/Berlin', version: 1 });
  });

  it('keeps each tenant\u2019s settings its own', async () => {
    const mine = await api.as('mine', 'admin');
    const theirs = await api.as('theirs', 'admin');
    await mine.patch('/v1/settings', { timezone: 'Asia/Tokyo', unprotectedGuestEvents: true });
    expect((await theirs.get('/v1/settings')).body).toMatchObject({
      timezone: 'Europe/Berlin',
      unprotectedGuestEvents: false,
    });
    expect((await mine.get('/v1/settings')).body).toMatchObject({
      timezone: 'Asia/Tokyo',
      unprotectedGuestEvents: true,
    });
  });
});

describe('guest.unprotected', () => {
  /** A tenant whose only policy covers `prod` guests, listening for unprotected guests at `path`. */
  async function tenantWatching(tenant: string, path: string) {
    const admin = await api.as(tenant, 'admin');
    for (const policy of (await admin.get('/v1/policies')).body.items)
      expect((await admin.delete(`/v1/policies/${policy.id}`)).status).toBe(204);
    expect((await admin.post('/v1/policies', policyBody({ selector: { tags: ['prod'] } }))).status).toBe(201);
    const subscribed = await admin.post('/v1/subscriptions', {
      kind: 'webhook',
      target: hooks.url(path),
      filters: { types: ['guest.unprotected'] },
    });
    expect(subscribed.status).toBe(201);
    return admin;
  }

  const received = (path: string) =>
    hooks.received
      .filter((hook) => hook.path === path)
      .map((hook) => JSON.parse(hook.body) as { type: string; data: { vmid: number; guestId: string } });

  /** A guest the cluster did not have, as a user would create it in Proxmox. */
  function addGuest(vmid: number, tags: string[]) {
    const { state } = api.simulator.sim;
    const model = state.guests.find((guest) => !guest.template && guest.type === 'qemu');
    if (!model) throw new Error('the demo cluster has no QEMU guest');
    state.guests.push({ ...structuredClone(model), vmid, name: `new-${vmid}`, tags, snapshots: [] });
  }

  it('is published once for each new guest no enabled policy covers, when the tenant opted in', async () => {
    const admin = await tenantWatching('watcher', '/watcher');
    expect((await admin.patch('/v1/settings', { unprotectedGuestEvents: true })).status).toBe(200);
    const cluster = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
    expect(cluster.status).toBe(201);
    await api.runtime.notifications.idle();
    const expected = api.simulator.sim.state.guests
      .filter((guest) => !guest.template && !guest.tags.includes('prod'))
      .map((guest) => guest.vmid)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    const first = received('/watcher');
    expect(first.every((event) => event.type === 'guest.unprotected')).toBe(true);
    expect(first.map((event) => event.data.vmid).sort()).toEqual(expected);

    // A later sync reports only guests it sees for the first time, and not those a policy covers.
    addGuest(9001, []);
    addGuest(9002, ['prod']);
    expect((await admin.post(`/v1/clusters/${cluster.body.id}/sync`)).status).toBe(200);
    expect((await admin.post(`/v1/clusters/${cluster.body.id}/sync`)).status).toBe(200);
    await api.runtime.notifications.idle();
    const later = received('/watcher').slice(first.length);
    expect(later.map((event) => event.data.vmid)).toEqual([9001]);
    expect(later[0]?.data.guestId).toBe(`${cluster.body.id}.9001`);
  });

  it('is never published when the tenant did not opt in', async () => {
    const admin = await tenantWatching('quiet', '/quiet');
    const cluster = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
    expect(cluster.status).toBe(201);
    addGuest(9003, []);
    expect((await admin.post(`/v1/clusters/${cluster.body.id}/sync`)).status).toBe(200);
    const webhook = (await admin.get('/v1/subscriptions')).body.items.find(
      (subscription: { kind: string }) => subscription.kind === 'webhook',
    );
    // The subscription works: its test event arrives where no unprotected-guest event did.
    expect((await admin.post(`/v1/subscriptions/${webhook.id}/test`)).status).toBe(202);
    await api.runtime.notifications.idle();
    expect(received('/quiet').map((event) => event.type)).toEqual(['notification.test']);
  });
});
