import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startMailSink } from '#test/support/notification-receivers.ts';

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

beforeAll(async () => {
  mail = await startMailSink();
  api = await startTestApi({ env: { SMTP_URL: mail.url, TENANT_PLANS: JSON.stringify(PLANS) } });
});
afterAll(async () => {
  await api.stop();
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
