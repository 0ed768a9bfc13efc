import { createHash, randomInt } from 'node:crypto';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { WebhookSender } from '#shared/adapters/notifications/webhook-sender.ts';
import type { SecretStore } from '#shared/adapters/secrets/secret-store.ts';
import { isRetryable, retryDelayMs, WEBHOOK_ATTEMPTS } from '#shared/domain/notifications/backoff.ts';
import type { Delivery, DeliveryAttempt } from '#shared/domain/notifications/delivery.ts';
import { emailFor } from '#shared/domain/notifications/email-message.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import { receives } from '#shared/domain/notifications/matching.ts';
import type { Subscription, WebhookSecrets } from '#shared/domain/notifications/subscription.ts';
import { signatureHeader } from '#shared/domain/notifications/webhook-signature.ts';
import type { Mailer } from './ports.ts';

/** How long an emailed confirmation code stays valid. */
export const CONFIRMATION_TTL_MS = 24 * 3600_000;
const EMAIL_ATTEMPTS = 3;

export interface NotifierDeps {
  readonly store: Store;
  readonly secrets: SecretStore;
  readonly mailer: Mailer;
  readonly webhooks: WebhookSender;
  readonly now: () => number;
  /** The API's base URL, for links in emails. */
  readonly apiUrl: string;
  /** Backoff between attempts (tests use milliseconds). */
  readonly retry: { readonly baseMs: number; readonly maxMs: number };
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly log: (message: string, fields: Record<string, unknown>) => void;
}

export const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/**
 * Delivers one event to every subscription that receives it, each at most once (the delivery's
 * key is subscription + event id, so a re-published event is delivered once). Webhooks are
 * retried with exponential backoff and jitter on network errors, 5xx and 429, never on other
 * 4xx; every attempt is recorded. A failed delivery is recorded, never thrown: it must not fail
 * the step that published the event. Only a failure of the table itself throws.
 */
export async function deliverEvent(deps: NotifierDeps, event: DomainEvent): Promise<Delivery[]> {
  const subscriptions = await deps.store.subscriptions.all(event.tenantId);
  // Most tenants' events reach nobody: no need to read the policy then.
  if (subscriptions.length === 0) return [];
  const policy = event.policyId ? await deps.store.policies.get(event.tenantId, event.policyId) : undefined;
  const targets = subscriptions.filter((subscription) => receives(subscription, event, policy?.notify));
  const results = await Promise.all(targets.map((subscription) => deliverTo(deps, subscription, event)));
  return results.filter((delivery): delivery is Delivery => delivery !== undefined);
}

async function deliverTo(
  deps: NotifierDeps,
  subscription: Subscription,
  event: DomainEvent,
): Promise<Delivery | undefined> {
  let delivery: Delivery = {
    tenantId: event.tenantId,
    subscriptionId: subscription.id,
    eventId: event.id,
    eventType: event.type,
    createdAt: new Date(deps.now()).toISOString(),
    status: 'delivering',
    attempts: [],
  };
  if (!(await deps.store.deliveries.claim(delivery))) return undefined;
  const attempts = subscription.kind === 'webhook' ? WEBHOOK_ATTEMPTS : EMAIL_ATTEMPTS;
  const attempt =
    subscription.kind === 'webhook' ? webhookAttempt : await emailAttempt(deps, subscription, event);
  for (let n = 1; ; n++) {
    const result = await attempt(deps, subscription, event);
    const done = result.ok || !result.retry || n >= attempts;
    const nextRetry = done ? undefined : retryDelayMs(n, deps.random(), deps.retry.baseMs, deps.retry.maxMs);
    delivery = {
      ...delivery,
      attempts: [...delivery.attempts, result.attempt],
      status: result.ok ? 'delivered' : done ? 'failed' : 'delivering',
      ...(nextRetry !== undefined ? { nextRetryAt: new Date(deps.now() + nextRetry).toISOString() } : {}),
    };
    if (nextRetry === undefined) {
      const { nextRetryAt: _, ...final } = delivery;
      delivery = final;
    }
    await deps.store.deliveries.save(delivery);
    deps.log('notification delivery', {
      eventId: event.id,
      type: event.type,
      subscriptionId: subscription.id,
      kind: subscription.kind,
      attempt: n,
      ok: result.ok,
      status: result.attempt.status,
      error: result.attempt.error,
    });
    if (nextRetry === undefined) return delivery;
    await deps.sleep(nextRetry);
  }
}

type Attempt = (
  deps: NotifierDeps,
  subscription: Subscription,
  event: DomainEvent,
) => Promise<{ ok: boolean; retry: boolean; attempt: DeliveryAttempt }>;

const webhookAttempt: Attempt = async (deps, subscription, event) => {
  const at = new Date(deps.now()).toISOString();
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const secrets = JSON.parse(await deps.secrets.get(subscription.secretRef ?? '')) as WebhookSecrets;
    const timestamp = Math.floor(deps.now() / 1000);
    const body = JSON.stringify({ type: event.type, timestamp: event.time, data: event.data });
    const { status } = await deps.webhooks.post({
      url: subscription.target,
      body,
      headers: {
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, deps.now(), event.id, timestamp, body),
      },
    });
    const ok = status >= 200 && status < 300;
    return { ok, retry: !ok && isRetryable(status), attempt: { at, ok, status, latencyMs: latency() } };
  } catch (error) {
    const refused = (error as Error).name === 'WebhookAddressError';
    return {
      ok: false,
      retry: !refused,
      attempt: { at, ok: false, error: describe(error), latencyMs: latency() },
    };
  }
};

/** Email: for a confirmation, a fresh code is made here (its hash stored) so no event ever carries it. */
async function emailAttempt(
  deps: NotifierDeps,
  subscription: Subscription,
  event: DomainEvent,
): Promise<Attempt> {
  let content = emailFor(event, deps.apiUrl);
  if (event.type === 'subscription.confirmation') {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const after: Subscription = {
      ...subscription,
      confirmation: {
        codeHash: hashCode(code),
        expiresAt: new Date(deps.now() + CONFIRMATION_TTL_MS).toISOString(),
        failures: 0,
      },
      version: subscription.version + 1,
      updatedAt: new Date(deps.now()).toISOString(),
    };
    await deps.store.subscriptions.update(subscription, after, []);
    content = emailFor({ ...event, data: { ...event.data, code } }, deps.apiUrl);
  }
  return async () => {
    const at = new Date(deps.now()).toISOString();
    const started = performance.now();
    try {
      const { reply } = await deps.mailer.send({ to: subscription.target, ...content });
      return {
        ok: true,
        retry: false,
        attempt: { at, ok: true, reply, latencyMs: Math.round(performance.now() - started) },
      };
    } catch (error) {
      // A permanent SMTP refusal (5xx) is not retried; network trouble and 4xx are.
      const code = (error as { responseCode?: number }).responseCode;
      return {
        ok: false,
        retry: code === undefined || code < 500,
        attempt: {
          at,
          ok: false,
          error: describe(error),
          ...((error as { response?: string }).response
            ? { reply: (error as { response: string }).response }
            : {}),
          latencyMs: Math.round(performance.now() - started),
        },
      };
    }
  };
}

function describe(error: unknown): string {
  const e = error as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  return `${e.message || e.name}${code && !e.message?.includes(code) ? ` (${code})` : ''}`;
}
