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
const CONFIRMATION_TTL_MS = 24 * 3600_000;
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
  if (targets.length === 0) return [];
  const createdAt = new Date(deps.now()).toISOString();
  const fresh = targets.map(
    (subscription): Delivery => ({
      tenantId: event.tenantId,
      subscriptionId: subscription.id,
      eventId: event.id,
      eventType: event.type,
      createdAt,
      status: 'delivering',
      attempts: [],
    }),
  );
  const claimed = await deps.store.deliveries.claimAll(fresh);
  const jobs = await Promise.all(
    targets.flatMap((subscription, index) =>
      claimed[index] ? [startJob(deps, subscription, event, fresh[index] as Delivery)] : [],
    ),
  );
  // First attempts together, their outcomes written in one batch; retries then go one by one,
  // each attempt saved as it ends (so the deliveries list shows the next retry).
  await Promise.all(jobs.map((job) => attemptOnce(deps, job, event)));
  await deps.store.deliveries.saveAll(jobs.map((job) => job.delivery));
  await Promise.all(
    jobs.map(async (job) => {
      while (job.nextRetryMs !== undefined) {
        await deps.sleep(job.nextRetryMs);
        await attemptOnce(deps, job, event);
        await deps.store.deliveries.save(job.delivery);
      }
    }),
  );
  return jobs.map((job) => job.delivery);
}

interface Job {
  readonly subscription: Subscription;
  readonly attempt: Attempt;
  readonly maxAttempts: number;
  delivery: Delivery;
  /** Set while another attempt is due. */
  nextRetryMs?: number;
}

async function startJob(
  deps: NotifierDeps,
  subscription: Subscription,
  event: DomainEvent,
  delivery: Delivery,
): Promise<Job> {
  return subscription.kind === 'webhook'
    ? { subscription, attempt: webhookAttempt, maxAttempts: WEBHOOK_ATTEMPTS, delivery }
    : {
        subscription,
        attempt: await emailAttempt(deps, subscription, event),
        maxAttempts: EMAIL_ATTEMPTS,
        delivery,
      };
}

/** One attempt: records it on the job's delivery and decides whether (and when) another follows. */
async function attemptOnce(deps: NotifierDeps, job: Job, event: DomainEvent): Promise<void> {
  const result = await job.attempt(deps, job.subscription, event);
  const n = job.delivery.attempts.length + 1;
  const done = result.ok || !result.retry || n >= job.maxAttempts;
  job.nextRetryMs = done ? undefined : retryDelayMs(n, deps.random(), deps.retry.baseMs, deps.retry.maxMs);
  const { nextRetryAt: _, ...previous } = job.delivery;
  job.delivery = {
    ...previous,
    attempts: [...previous.attempts, result.attempt],
    status: result.ok ? 'delivered' : done ? 'failed' : 'delivering',
    ...(job.nextRetryMs !== undefined
      ? { nextRetryAt: new Date(deps.now() + job.nextRetryMs).toISOString() }
      : {}),
  };
  deps.log('notification delivery', {
    eventId: event.id,
    type: event.type,
    subscriptionId: job.subscription.id,
    kind: job.subscription.kind,
    attempt: n,
    ok: result.ok,
    status: result.attempt.status,
    error: result.attempt.error,
  });
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
