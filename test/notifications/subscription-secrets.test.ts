import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import { PreconditionFailedError } from '#shared/domain/errors.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import type { WebhookPost, WebhookSender } from '#shared/ports/webhook-sender.ts';
import { deliverEvent } from '#shared/services/notifications/notifier.ts';
import {
  createSubscription,
  ROTATION_GRACE_MS,
  rotateWebhookSecret,
  type SubscriptionDeps,
  updateSubscription,
} from '#shared/services/notifications/subscriptions.ts';
import { createTestTable } from '#test/support/dynamo.ts';

/** Secrets in a map, so a test can see every secret that exists. */
class InspectableSecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async put(name: string, value: string) {
    this.values.set(`mem:${name}`, value);
    return `mem:${name}`;
  }
  async get(ref: string) {
    const value = this.values.get(ref);
    if (value === undefined) throw new Error(`no secret ${ref}`);
    return value;
  }
  async delete(ref: string) {
    this.values.delete(ref);
  }
}

const admin: AuditContext = {
  principal: { tenantId: 'acme', subject: 'alice', role: 'admin' },
  requestId: 'r1',
};

async function setUp() {
  let now = Date.parse('2026-03-01T10:00:00Z');
  const { store } = await createTestTable({ now: () => now });
  const secrets = new InspectableSecrets();
  const posts: WebhookPost[] = [];
  const webhooks: WebhookSender = {
    post: async (post) => {
      posts.push(post);
      return { status: 204 };
    },
    close: async () => {},
  };
  const tokens = new InspectableSecrets();
  const deps: SubscriptionDeps = {
    store,
    // The Proxmox token store: webhook secrets never go there.
    secrets: tokens,
    webhookSecrets: secrets,
    proxmox: { call: async () => undefined },
    ids: createUlidGenerator(() => now),
    now: () => now,
    events: { publish: async () => undefined },
    webhookAddresses: { allowPrivate: true },
    confirmationKey: async () => randomBytes(32),
  };
  /** Delivers a test event (one per instant) to the subscription as the notifier does; returns the request it sent. */
  const deliver = async (subscriptionId: string) => {
    const event = domainEvent({
      tenantId: 'acme',
      type: 'notification.test',
      subject: `${subscriptionId}/${now}`,
      time: now,
      subscriptionId,
      data: { subscriptionId },
    });
    await deliverEvent(
      {
        store,
        secrets,
        webhooks,
        mailer: { send: async () => ({ reply: '250 ok' }), close: async () => {} },
        confirmationKey: deps.confirmationKey,
        now: () => now,
        apiUrl: 'http://127.0.0.1:3000',
        retry: { baseMs: 1, maxMs: 1 },
        sleep: async () => {},
        random: () => 0,
        log: () => {},
      },
      event,
    );
    return posts.at(-1) as WebhookPost;
  };
  return {
    store,
    secrets,
    tokens,
    deps,
    deliver,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Verifies a delivered request as a receiver holding `secret` would (its clock at the request's timestamp). */
function verifies(post: WebhookPost, secret: string): boolean {
  const timestamp = Number(post.headers['webhook-timestamp']) * 1000;
  const realNow = Date.now;
  Date.now = () => timestamp;
  try {
    new Webhook(secret).verify(post.body, {
      'webhook-id': post.headers['webhook-id'] as string,
      'webhook-timestamp': post.headers['webhook-timestamp'] as string,
      'webhook-signature': post.headers['webhook-signature'] as string,
    });
    return true;
  } catch {
    return false;
  } finally {
    Date.now = realNow;
  }
}

/** The store with `subscriptions.update` running `before` first, once: another request's change in between. */
function racing(store: Store, before: () => Promise<void>): Store {
  let raced = false;
  const subscriptions = new Proxy(store.subscriptions, {
    get(target, property) {
      if (property === 'update')
        return async (...args: Parameters<typeof target.update>) => {
          if (!raced) {
            raced = true;
            await before();
          }
          return target.update(...args);
        };
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...store, subscriptions };
}

describe('webhook signing secrets', () => {
  it('keeps webhook signing secrets in their own store, never among the Proxmox tokens', async () => {
    const { deps, secrets, tokens } = await setUp();
    const created = await createSubscription(deps, admin, { kind: 'webhook', target: 'https://127.0.0.1/a' });
    await rotateWebhookSecret(deps, admin, created.subscription.id);
    expect(tokens.values.size).toBe(0);
    expect(secrets.values.size).toBe(2);
  });

  it('leaves no secret behind when the subscription cannot be written', async () => {
    const { deps, secrets } = await setUp();
    // The same subscription id twice: the table refuses the second, as it would any failed write.
    const ids = createUlidGenerator();
    const fixedId = ids.next('sub');
    const sameId: SubscriptionDeps = {
      ...deps,
      ids: { next: (prefix) => (prefix === 'sub' ? fixedId : ids.next(prefix)) },
    };
    const first = await createSubscription(sameId, admin, { kind: 'webhook', target: 'https://127.0.0.1/a' });
    expect([...secrets.values.values()]).toEqual([JSON.stringify({ current: first.secret })]);
    await expect(
      createSubscription(sameId, admin, { kind: 'webhook', target: 'https://127.0.0.1/b' }),
    ).rejects.toThrow();
    expect([...secrets.values.values()]).toEqual([JSON.stringify({ current: first.secret })]);

    const down = new Proxy(deps.store.subscriptions, {
      get(target, property) {
        if (property === 'create')
          return async () => {
            throw new Error('the table is unavailable');
          };
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(
      createSubscription({ ...deps, store: { ...deps.store, subscriptions: down } }, admin, {
        kind: 'webhook',
        target: 'https://127.0.0.1/c',
      }),
    ).rejects.toThrow(/unavailable/);
    expect(secrets.values.size).toBe(1);
  });

  it('refuses a rotation with a stale If-Match before writing any secret: deliveries stay signed with the old one', async () => {
    const { deps, secrets, deliver, advance } = await setUp();
    const { subscription, secret: old } = await createSubscription(deps, admin, {
      kind: 'webhook',
      target: 'https://127.0.0.1/hook',
    });
    await updateSubscription(deps, admin, subscription.id, { description: 'moved on' });
    const stored = new Map(secrets.values);
    await expect(rotateWebhookSecret(deps, admin, subscription.id, 1)).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(secrets.values).toEqual(stored);
    advance(ROTATION_GRACE_MS + 3600_000);
    const post = await deliver(subscription.id);
    expect(verifies(post, old as string)).toBe(true);
    expect(post.headers['webhook-signature']?.split(' ')).toHaveLength(1);
  });

  it('refuses a rotation whose subscription changed after the If-Match check, deleting the unused secret', async () => {
    const { deps, secrets, deliver, advance } = await setUp();
    const { subscription, secret: old } = await createSubscription(deps, admin, {
      kind: 'webhook',
      target: 'https://127.0.0.1/hook',
    });
    const stored = new Map(secrets.values);
    // Another request changes the subscription between the rotation's read and its write.
    const raced = racing(deps.store, async () => {
      await updateSubscription(deps, admin, subscription.id, { description: 'in between' });
    });
    await expect(
      rotateWebhookSecret({ ...deps, store: raced }, admin, subscription.id, subscription.version),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(secrets.values).toEqual(stored);
    advance(ROTATION_GRACE_MS + 3600_000);
    expect(verifies(await deliver(subscription.id), old as string)).toBe(true);
  });

  it('redoes a rotation without If-Match on a fresh read, and signs with what the client got', async () => {
    const { deps, secrets, deliver, advance } = await setUp();
    const { subscription, secret: old } = await createSubscription(deps, admin, {
      kind: 'webhook',
      target: 'https://127.0.0.1/hook',
    });
    const raced = racing(deps.store, async () => {
      await updateSubscription(deps, admin, subscription.id, { description: 'in between' });
    });
    const rotated = await rotateWebhookSecret({ ...deps, store: raced }, admin, subscription.id);
    expect(rotated.subscription).toMatchObject({ description: 'in between', version: 3 });
    // The new secret, and the one it replaced (kept for deliveries already under way).
    expect(secrets.values.size).toBe(2);
    const during = await deliver(subscription.id);
    expect(verifies(during, rotated.secret)).toBe(true);
    expect(verifies(during, old as string)).toBe(true);
    advance(ROTATION_GRACE_MS + 3600_000);
    const after = await deliver(subscription.id);
    expect(verifies(after, rotated.secret)).toBe(true);
    expect(verifies(after, old as string)).toBe(false);
    // The next rotation deletes the secret the first one retired: never more than two.
    const again = await rotateWebhookSecret(deps, admin, subscription.id);
    expect(secrets.values.size).toBe(2);
    advance(1000);
    expect(verifies(await deliver(subscription.id), again.secret)).toBe(true);
  });
});
