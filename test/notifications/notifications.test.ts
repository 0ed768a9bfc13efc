import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import {
  type ReceivedWebhook,
  startMailSink,
  startWebhookReceiver,
} from '#test/support/notification-receivers.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;
let mail: Awaited<ReturnType<typeof startMailSink>>;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** Every secret the service handed out, to prove none reaches a log line. */
const secrets: string[] = [];

beforeAll(async () => {
  mail = await startMailSink();
  hooks = await startWebhookReceiver();
  api = await startTestApi({ env: { SMTP_URL: mail.url } });
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(async () => {
  await api.stop();
  await hooks.stop();
  await mail.stop();
});

/** Waits until every run and every published event is handled. */
async function settle(): Promise<void> {
  await api.runtime.workflows.drain();
  await api.runtime.notifications.idle();
}

async function subscribeWebhook(path: string, filters?: Record<string, unknown>) {
  const created = await admin.post('/v1/subscriptions', {
    kind: 'webhook',
    target: hooks.url(path),
    ...(filters ? { filters } : {}),
  });
  expect(created.status).toBe(201);
  expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
  secrets.push(created.body.secret);
  return created.body as { id: string; secret: string };
}

async function runNow(policyId: string) {
  const started = await admin.post(`/v1/policies/${policyId}/runs`);
  expect(started.status).toBe(202);
  await settle();
  return (await admin.get(`/v1/runs/${started.body.id}`)).body;
}

/** Verifies a webhook as a receiver would, with an independent Standard Webhooks implementation. */
function verified(hook: ReceivedWebhook, secret: string) {
  return new Webhook(secret).verify(hook.body, {
    'webhook-id': String(hook.headers['webhook-id']),
    'webhook-timestamp': String(hook.headers['webhook-timestamp']),
    'webhook-signature': String(hook.headers['webhook-signature']),
  }) as { type: string; timestamp: string; data: Record<string, any> };
}

describe('notifications end to end', () => {
  let emailId: string;

  it('confirms an email address before sending it anything else', async () => {
    const created = await admin.post('/v1/subscriptions', {
      kind: 'email',
      target: 'ops@example.com',
      filters: { outcomes: ['failure'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'email', status: 'pending', target: 'ops@example.com' });
    expect(created.body.secret).toBeUndefined();
    emailId = created.body.id;
    await settle();
    const [confirmation] = await mail.waitFor(1);
    expect(confirmation?.to).toEqual(['ops@example.com']);
    const code = /confirmation code is (\d{6})/.exec(confirmation?.parsed.text ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    secrets.push(code as string);

    // Pending: a test event is refused, and nothing else is mailed.
    expect((await admin.post(`/v1/subscriptions/${emailId}/test`)).status).toBe(409);
    const wrong = await admin.post(`/v1/subscriptions/${emailId}/confirm`, {
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0]).toMatchObject({ path: 'code', rule: 'confirmation.code' });
    const viewer = await api.as('acme', 'viewer');
    expect((await viewer.post(`/v1/subscriptions/${emailId}/confirm`, { code })).status).toBe(403);
    // Asking again mails a new code; the first one stops working.
    expect((await admin.post(`/v1/subscriptions/${emailId}/resend-confirmation`)).status).toBe(202);
    await settle();
    const [, again] = await mail.waitFor(2);
    const newCode = /confirmation code is (\d{6})/.exec(again?.parsed.text ?? '')?.[1] as string;
    secrets.push(newCode);
    if (newCode !== code)
      expect((await admin.post(`/v1/subscriptions/${emailId}/confirm`, { code })).status).toBe(400);
    const confirmed = await admin.post(`/v1/subscriptions/${emailId}/confirm`, { code: newCode });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('active');
    expect(mail.mails).toHaveLength(2);
    expect((await admin.post(`/v1/subscriptions/${emailId}/resend-confirmation`)).status).toBe(409);
  });

  it('counts at most five of many concurrent wrong codes, answering none with 412, then refuses even the right code', async () => {
    const created = await admin.post('/v1/subscriptions', { kind: 'email', target: 'race@example.com' });
    expect(created.status).toBe(201);
    await settle();
    const mailed = mail.mails.filter((m) => m.to.includes('race@example.com'));
    expect(mailed).toHaveLength(1);
    const code = /confirmation code is (\d{6})/.exec(mailed[0]?.parsed.text ?? '')?.[1] as string;
    secrets.push(code);
    const wrong = code === '123456' ? '654321' : '123456';
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        admin.post(`/v1/subscriptions/${created.body.id}/confirm`, { code: wrong }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(400));
    const rules = answers.map((answer) => answer.body.errors[0].rule);
    expect(rules.filter((rule) => rule === 'confirmation.code')).toHaveLength(5);
    expect(rules.filter((rule) => rule === 'confirmation.expired')).toHaveLength(15);
    const stored = await api.runtime.store.subscriptions.get('acme', created.body.id);
    expect(stored?.confirmation?.failures).toBe(5);
    const locked = await admin.post(`/v1/subscriptions/${created.body.id}/confirm`, { code });
    expect(locked.status).toBe(400);
    expect(locked.body.errors[0].rule).toBe('confirmation.expired');
    expect((await admin.get(`/v1/subscriptions/${created.body.id}`)).body.status).toBe('pending');
  });

  it('stores a confirmation code only as its HMAC under the service key in DATA_DIR/keys', async () => {
    const created = await admin.post('/v1/subscriptions', { kind: 'email', target: 'mac@example.com' });
    await settle();
    const mailed = mail.mails.find((m) => m.to.includes('mac@example.com'));
    const code = /confirmation code is (\d{6})/.exec(mailed?.parsed.text ?? '')?.[1] as string;
    secrets.push(code);
    const stored = await api.runtime.store.subscriptions.get('acme', created.body.id);
    const item = JSON.stringify(stored);
    // Neither the code nor its plain SHA-256 (all million of which are tried in a second).
    expect(item).not.toContain(code);
    expect(item).not.toContain(createHash('sha256').update(code).digest('hex'));
    const key = await readFile(join(api.runtime.dataDir, 'keys', 'confirmation.key'));
    expect(key.length).toBe(32);
    expect(stored?.confirmation?.codeMac).toBe(
      createHmac('sha256', key).update(`acme\0${created.body.id}\0${code}`).digest('base64url'),
    );
    expect((await admin.post(`/v1/subscriptions/${created.body.id}/confirm`, { code })).status).toBe(200);
    // Unsubscribed again: the tests below count the mails of the first address.
    expect((await admin.delete(`/v1/subscriptions/${created.body.id}`)).status).toBe(204);
  });

  it('sends exactly one failure email and one signed webhook for a failing run, however often it finishes', async () => {
    const hook = await subscribeWebhook('/runs', {
      types: ['run.succeeded', 'run.partially_failed', 'run.failed'],
    });
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'nightly',
          selector: { guests: [`${clusterId}.100`, `${clusterId}.101`] },
          snapshot: { namePrefix: 'nt' },
          notify: { onSuccess: false, onFailure: true },
        }),
      )
    ).body;
    api.simulator.sim.failTasks({
      message: "zfs error: cannot create snapshot 'rpool/data/vm-101-disk-0@nt': out of space",
      type: 'qmsnapshot',
      vmid: 101,
    });
    const before = hooks.received.length;
    const run = await runNow(policy.id);
    expect(run).toMatchObject({ status: 'partially_failed', succeeded: 1, failed: 1 });
    // The run finishes a second time (as a resumed run would): the same events, delivered once.
    await api.runtime.workflows.start(`${run.id}-again`, {
      tenantId: 'acme',
      policyId: policy.id,
      scheduledTime: run.scheduledTime,
      trigger: 'manual',
      resume: true,
    });
    await settle();

    const webhooks = hooks.received.slice(before).filter((h) => h.status === 200);
    expect(webhooks).toHaveLength(1);
    const payload = verified(webhooks[0] as ReceivedWebhook, hook.secret);
    expect(payload.type).toBe('run.partially_failed');
    expect(payload.data).toMatchObject({
      runId: run.id,
      targets: 2,
      succeeded: 1,
      failed: 1,
      policyName: 'nightly',
    });
    expect(payload.data.failures).toEqual([
      expect.objectContaining({ vmid: 101, error: expect.stringContaining('out of space') }),
    ]);

    const failureMails = mail.mails.filter((m) => m.parsed.subject?.includes('run failed'));
    expect(failureMails).toHaveLength(1);
    const message = failureMails[0]?.parsed;
    expect(message?.subject).toBe('[nightly] run failed on 1 of 2 guests');
    expect(message?.text).toContain('out of space');
    // Guests as people name them: the inventory's name and the vmid.
    expect(message?.text).toContain('- web-02 (101) on pve1: ');
    expect(message?.html).toContain('<td>web-02 (101)</td>');
    // The run's URL needs a token: the mail says how to call it; the one link opens in a browser.
    expect(message?.text).toContain(`curl -H "Authorization: Bearer $TOKEN" ${api.url}/v1/runs/${run.id}`);
    const links = [...(message?.html ? message.html.matchAll(/href="([^"]+)"/g) : [])].map((m) => m[1]);
    expect(links).toEqual([`${api.url}/docs`]);
    const docs = await fetch(links[0] as string);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);

    // snapshot.failed also went to the email (failures only); snapshot.created went nowhere.
    expect(
      mail.mails.some((m) => m.parsed.subject === '[nightly] snapshot failed on guest web-02 (101)'),
    ).toBe(true);
    const deliveries = await admin.get(`/v1/subscriptions/${emailId}/deliveries`);
    expect(deliveries.body.items.map((d: { eventType: string }) => d.eventType).sort()).toEqual([
      'run.partially_failed',
      'snapshot.failed',
      'subscription.confirmation',
      'subscription.confirmation',
    ]);
    expect(deliveries.body.items[0].attempts[0]).toMatchObject({
      ok: true,
      reply: expect.stringMatching(/^250/),
    });
  });

  it('sends success notifications only for policies with notify.onSuccess', async () => {
    await subscribeWebhook('/success', { types: ['run.succeeded'] });
    const quiet = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'quiet',
          selector: { guests: [`${clusterId}.102`] },
          snapshot: { namePrefix: 'qt' },
        }),
      )
    ).body;
    const loud = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'loud',
          selector: { guests: [`${clusterId}.102`] },
          snapshot: { namePrefix: 'ld' },
          notify: { onSuccess: true, onFailure: true },
        }),
      )
    ).body;
    expect(quiet.notify.onSuccess).toBe(false);
    const before = hooks.received.length;
    await runNow(quiet.id);
    await runNow(loud.id);
    const successes = hooks.received.slice(before).filter((h) => h.path === '/success');
    expect(successes.map((h) => JSON.parse(h.body).data.policyName)).toEqual(['loud']);
  });

  it('filters by type, outcome and policy', async () => {
    const only = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'filtered',
          selector: { guests: [`${clusterId}.200`] },
          snapshot: { namePrefix: 'fl' },
          notify: { onSuccess: true, onFailure: true },
        }),
      )
    ).body;
    const created = await subscribeWebhook('/created', { types: ['snapshot.created'], policies: [only.id] });
    const failures = await subscribeWebhook('/failures', { outcomes: ['failure'], policies: [only.id] });
    const before = hooks.received.length;
    await runNow(only.id);
    const got = hooks.received.slice(before);
    const types = (hook: ReceivedWebhook) => JSON.parse(hook.body).type;
    const createdHooks = got.filter((h) => verifiedOrNull(h, created.secret));
    expect(createdHooks.map(types)).toEqual(['snapshot.created']);
    expect(got.filter((h) => verifiedOrNull(h, failures.secret))).toEqual([]);
  });

  it('reports deletions by retention and restores, once each', async () => {
    const hook = await subscribeWebhook('/lifecycle', {
      types: ['snapshot.deleted', 'restore.succeeded', 'restore.failed'],
    });
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'lifecycle',
          selector: { guests: [`${clusterId}.201`] },
          snapshot: { namePrefix: 'lc' },
          retention: { keepLast: 1 },
          notify: { onSuccess: true, onFailure: true },
        }),
      )
    ).body;
    const first = await runNow(policy.id);
    const firstName = first.results[0].snapshotName;
    api.setNow(Date.now() + 120_000);
    let second: { id: string };
    try {
      second = await runNow(policy.id);
    } finally {
      api.setNow(Date.now());
    }
    const restore = await admin.post(
      `/v1/guests/${clusterId}.201/snapshots/${(await admin.get(`/v1/guests/${clusterId}.201/snapshots`)).body.items.find((r: { status: string }) => r.status === 'created').name}/restore`,
      {
        mode: 'in_place',
        safetySnapshot: false,
      },
    );
    expect(restore.status).toBe(202);
    await settle();
    const got = hooks.received.filter((h) => h.path === '/lifecycle').map((h) => verified(h, hook.secret));
    expect(got.map((p) => p.type).sort()).toEqual(['restore.succeeded', 'snapshot.deleted']);
    expect(got.find((p) => p.type === 'snapshot.deleted')?.data).toMatchObject({
      snapshotName: firstName,
      reason: 'pruned',
      // The second run pruned the first run's snapshot.
      by: `run ${second.id}`,
    });
    expect(got.find((p) => p.type === 'restore.succeeded')?.data).toMatchObject({
      operationId: restore.body.id,
      kind: 'restore-in-place',
    });
  });

  it('delivers events left in the outbox (as after a crash) on its next look', async () => {
    const hook = await subscribeWebhook('/outbox', { types: ['lock.stuck'] });
    const event = domainEvent({
      tenantId: 'acme',
      type: 'lock.stuck',
      subject: 'left-behind',
      time: Date.now(),
      data: { guestId: `${clusterId}.104`, vmid: 104, lock: 'backup', since: '2026-11-23T00:00:00.000Z' },
    });
    // Written without waking the dispatcher, as if the process had died right after publishing.
    await api.runtime.store.deliveries.enqueue(event);
    await api.runtime.notifications.idle();
    const got = hooks.received.filter((h) => h.path === '/outbox');
    expect(got.map((h) => h.headers['webhook-id'])).toEqual([event.id]);
    expect(verified(got[0] as ReceivedWebhook, hook.secret).data).toMatchObject({ lock: 'backup' });
    expect(await api.runtime.store.deliveries.pending(10)).toEqual([]);
  });

  it('retries a receiver that answers 500 twice, then lists one delivery with three attempts', async () => {
    const hook = await subscribeWebhook('/flaky');
    hooks.respond(500, 500);
    const before = hooks.received.length;
    const sent = await admin.post(`/v1/subscriptions/${hook.id}/test`);
    expect(sent.status).toBe(202);
    await settle();
    const got = hooks.received.slice(before);
    expect(got.map((h) => h.status)).toEqual([500, 500, 200]);
    expect(new Set(got.map((h) => h.headers['webhook-id']))).toEqual(new Set([sent.body.eventId]));
    const deliveries = (await admin.get(`/v1/subscriptions/${hook.id}/deliveries`)).body.items;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      eventId: sent.body.eventId,
      eventType: 'notification.test',
      status: 'delivered',
    });
    expect(deliveries[0].attempts.map((a: { status: number; ok: boolean }) => [a.status, a.ok])).toEqual([
      [500, false],
      [500, false],
      [200, true],
    ]);
    expect(deliveries[0].nextRetryAt).toBeUndefined();
  });

  it('does not retry other 4xx answers', async () => {
    const hook = await subscribeWebhook('/gone');
    hooks.respond(410);
    await admin.post(`/v1/subscriptions/${hook.id}/test`);
    await settle();
    const [delivery] = (await admin.get(`/v1/subscriptions/${hook.id}/deliveries`)).body.items;
    expect(delivery).toMatchObject({ status: 'failed' });
    expect(delivery.attempts).toHaveLength(1);
  });

  it('rotates the signing secret: old and new both verify during the grace period', async () => {
    const hook = await subscribeWebhook('/rotate');
    const rotated = await admin.post(`/v1/subscriptions/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.secret);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.body.previousValidUntil)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const before = hooks.received.length;
    await admin.post(`/v1/subscriptions/${hook.id}/test`);
    await settle();
    const [received] = hooks.received.slice(before);
    expect(verified(received as ReceivedWebhook, rotated.body.secret).type).toBe('notification.test');
    expect(verified(received as ReceivedWebhook, hook.secret).type).toBe('notification.test');
    // After the grace period only the new secret signs.
    api.setNow(Date.now() + 25 * 3600_000);
    try {
      const later = hooks.received.length;
      await admin.post(`/v1/subscriptions/${hook.id}/test`);
      await settle();
      const [next] = hooks.received.slice(later);
      expect(String(next?.headers['webhook-signature']).split(' ')).toHaveLength(1);
      // The receiver's clock must agree with the service's for the timestamp check.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Number(next?.headers['webhook-timestamp']) * 1000);
      expect(verified(next as ReceivedWebhook, rotated.body.secret).type).toBe('notification.test');
      expect(() => verified(next as ReceivedWebhook, hook.secret)).toThrow(/signature/i);
    } finally {
      vi.useRealTimers();
      api.setNow(Date.now());
    }
  });

  it('refuses a rotation with a stale If-Match and keeps signing with the old secret only', async () => {
    const hook = await subscribeWebhook('/stale-rotation');
    const etag = (await admin.get(`/v1/subscriptions/${hook.id}`)).headers.get('etag') as string;
    expect(
      (await admin.patch(`/v1/subscriptions/${hook.id}`, { description: 'moved on' }, { 'if-match': etag }))
        .status,
    ).toBe(200);
    const stale = await admin.post(`/v1/subscriptions/${hook.id}/rotate-secret`, undefined, {
      'if-match': etag,
    });
    expect(stale.status).toBe(412);
    expect(stale.body.secret).toBeUndefined();
    // Long after any rotation's grace period, the secret the client holds still verifies.
    api.setNow(Date.now() + 25 * 3600_000);
    try {
      const before = hooks.received.length;
      await admin.post(`/v1/subscriptions/${hook.id}/test`);
      await settle();
      const [next] = hooks.received.slice(before);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Number(next?.headers['webhook-timestamp']) * 1000);
      expect(verified(next as ReceivedWebhook, hook.secret).type).toBe('notification.test');
    } finally {
      vi.useRealTimers();
      api.setNow(Date.now());
    }
    const current = await admin.post(`/v1/subscriptions/${hook.id}/rotate-secret`, undefined, {
      'if-match': '"2"',
    });
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"3"');
    secrets.push(current.body.secret);
  });

  it('pages subscriptions and deliveries with a cursor', async () => {
    const other = await api.as('paging', 'admin');
    const ids: string[] = [];
    for (const path of ['/p1', '/p2', '/p3']) {
      const created = await other.post('/v1/subscriptions', { kind: 'webhook', target: hooks.url(path) });
      secrets.push(created.body.secret);
      ids.push(created.body.id);
    }
    const first = await other.get('/v1/subscriptions?limit=2');
    expect(first.body.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
    const second = await other.get(
      `/v1/subscriptions?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.body.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(2));
    expect(second.body.nextCursor).toBeUndefined();
    // A cursor of one tenant's list is refused in another's.
    expect(
      (await admin.get(`/v1/subscriptions?cursor=${encodeURIComponent(first.body.nextCursor)}`)).status,
    ).toBe(400);

    const sent: string[] = [];
    for (let index = 0; index < 3; index++) {
      sent.push((await other.post(`/v1/subscriptions/${ids[0]}/test`)).body.eventId);
      await settle();
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await other.get(
        `/v1/subscriptions/${ids[0]}/deliveries?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((d: { eventId: string }) => d.eventId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...sent].reverse());
  });

  it('refuses plain http to anything but loopback, and bad subscriptions, changing nothing', async () => {
    const before = (await admin.get('/v1/subscriptions')).body.items.length;
    for (const target of [
      'http://192.168.1.10/hook',
      'ftp://example.com/hook',
      'https://user:pw@example.com/',
    ]) {
      const refused = await admin.post('/v1/subscriptions', { kind: 'webhook', target });
      expect(refused.status, target).toBe(400);
      expect(refused.body.errors[0]).toMatchObject({ path: 'target', rule: 'webhook-address' });
    }
    const badType = await admin.post('/v1/subscriptions', {
      kind: 'webhook',
      target: hooks.url(),
      filters: { types: ['run.exploded'] },
    });
    expect(badType.status).toBe(400);
    expect((await admin.post('/v1/subscriptions', { kind: 'email', target: 'not-an-address' })).status).toBe(
      400,
    );
    expect(
      (
        await (
          await api.as('acme', 'operator')
        ).post('/v1/subscriptions', { kind: 'webhook', target: hooks.url() })
      ).status,
    ).toBe(403);
    expect((await admin.get('/v1/subscriptions')).body.items).toHaveLength(before);
    // Viewers may list; other tenants see nothing.
    expect((await (await api.as('acme', 'viewer')).get('/v1/subscriptions')).status).toBe(200);
    expect((await (await api.as('other', 'admin')).get('/v1/subscriptions')).body.items).toEqual([]);
    expect((await (await api.as('other', 'admin')).get(`/v1/subscriptions/${emailId}`)).status).toBe(404);
  });

  it('changes filters with an optional If-Match, refusing a stale one and changing nothing', async () => {
    const hook = await subscribeWebhook('/patched');
    const read = await admin.get(`/v1/subscriptions/${hook.id}`);
    const etag = read.headers.get('etag') as string;
    expect(etag).toBe('"1"');
    const changed = await admin.patch(
      `/v1/subscriptions/${hook.id}`,
      { filters: { types: ['run.failed'] }, description: 'failures only' },
      { 'if-match': etag },
    );
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"2"');
    expect(changed.body).toMatchObject({ filters: { types: ['run.failed'] }, description: 'failures only' });
    const stale = await admin.patch(`/v1/subscriptions/${hook.id}`, { filters: {} }, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(
      (await admin.request('DELETE', `/v1/subscriptions/${hook.id}`, { headers: { 'if-match': etag } }))
        .status,
    ).toBe(412);
    expect((await admin.get(`/v1/subscriptions/${hook.id}`)).body.filters).toEqual({ types: ['run.failed'] });
    expect(
      (await admin.request('DELETE', `/v1/subscriptions/${hook.id}`, { headers: { 'if-match': '"2"' } }))
        .status,
    ).toBe(204);
    expect((await admin.get(`/v1/subscriptions/${hook.id}`)).status).toBe(404);
  });

  it('writes no secret and no confirmation code to any log line', () => {
    expect(secrets.length).toBeGreaterThan(3);
    const logs = api.logs.join('\n');
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      if (secret.startsWith('whsec_')) expect(logs).not.toContain(secret.slice('whsec_'.length));
    }
    expect(logs).toContain('notification delivery');
  });
});

function verifiedOrNull(hook: ReceivedWebhook, secret: string) {
  try {
    return verified(hook, secret);
  } catch {
    return null;
  }
}
