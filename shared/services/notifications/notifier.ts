import type { Store } from '#shared/adapters/dynamo/store.ts';
import { NotFoundError, PreconditionFailedError } from '#shared/domain/errors.ts';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import { isRetryable, retryDelayMs, WEBHOOK_ATTEMPTS } from '#shared/domain/notifications/backoff.ts';
import { confirmationCodeMac, newConfirmationCode } from '#shared/domain/notifications/confirmation-code.ts';
import type { Delivery, DeliveryAttempt } from '#shared/domain/notifications/delivery.ts';
import { emailFor } from '#shared/domain/notifications/email-message.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import { receives } from '#shared/domain/notifications/matching.ts';
import type { Subscription, WebhookSecrets } from '#shared/domain/notifications/subscription.ts';
import { signatureHeader } from '#shared/domain/notifications/webhook-signature.ts';
import type { Mailer } from '#shared/ports/mailer.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import type { WebhookSender } from '#shared/ports/webhook-sender.ts';

/** How long an emailed confirmation code stays valid. */
const CONFIRMATION_TTL_MS = 24 * 3600_000;
const EMAIL_ATTEMPTS = 3;

export interface NotifierDeps {
  readonly store: Store;
  readonly secrets: SecretStore;
  readonly mailer: Mailer;
  readonly webhooks: WebhookSender;
  /** The service key under which confirmation codes are MAC-ed (read when first needed). */
  readonly confirmationKey: () => Promise<Buffer>;
  readonly now: () => number;
  /** The API's base URL, for links in emails. */
  readonly apiUrl: string;
  /** Backoff between attempts (tests use milliseconds). */
  readonly retry: { readonly baseMs: number; readonly maxMs: number };
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly log: (message: string, fields: Record<string, unknown>) => void;
  /**
   * The tenant's subscriptions, read once per batch of events handled together (an SQS batch,
   * a look at the local outbox): see {@link subscriptionsPerBatch}. Absent: read per event.
   */
  readonly subscriptionsOf?: (tenantId: string) => Promise<Subscription[]>;
}

/**
 * A reader of subscriptions for one batch of events handled together: each tenant's are read
 * once, however many of its events the batch holds (a run's guests each publish one). A
 * subscription made while the batch is handled may miss its events, as it would had it come a
 * moment later.
 */
export function subscriptionsPerBatch(store: Store): (tenantId: string) => Promise<Subscription[]> {
  const read = new Map<string, Promise<Subscription[]>>();
  return (tenantId) => {
    let subscriptions = read.get(tenantId);
    if (!subscriptions) {
      subscriptions = store.subscriptions.all(tenantId);
      // A failed read is not kept: the next event of the batch asks again.
      subscriptions.catch(() => read.delete(tenantId));
      read.set(tenantId, subscriptions);
    }
    return subscriptions;
  };
}

/**
 * Delivers one event to every subscription that receives it, each at most once (the delivery's
 * key is subscription + event id, so a re-published event is delivered once). Webhooks are
 * retried with exponential backoff and jitter on network errors, 5xx and 429, never on other
 * 4xx; every attempt is recorded. A failed delivery is recorded, never thrown: it must not fail
 * the step that published the event. Only a failure of the table itself throws.
 */
export async function deliverEvent(deps: NotifierDeps, event: DomainEvent): Promise<Delivery[]> {
  const subscriptions = await (
    deps.subscriptionsOf ?? ((tenantId) => deps.store.subscriptions.all(tenantId))
  )(event.tenantId);
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
  // Read once per event, and only when an email needs them.
  let names: Promise<ReadonlyMap<string, string>> | undefined;
  const guestNames = () => {
    names ??= guestNamesOf(deps, event);
    return names;
  };
  const jobs = await Promise.all(
    targets.flatMap((subscription, index) =>
      claimed[index] ? [startJob(deps, subscription, event, fresh[index] as Delivery, guestNames)] : [],
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
  guestNames: () => Promise<ReadonlyMap<string, string>>,
): Promise<Job> {
  return subscription.kind === 'webhook'
    ? { subscription, attempt: webhookAttempt, maxAttempts: WEBHOOK_ATTEMPTS, delivery }
    : {
        subscription,
        attempt: await emailAttempt(deps, subscription, event, await guestNames()),
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

/** Email: for a confirmation, a fresh code is made here (only its MAC stored) so no event ever carries it. */
async function emailAttempt(
  deps: NotifierDeps,
  subscription: Subscription,
  event: DomainEvent,
  guestNames: ReadonlyMap<string, string>,
): Promise<Attempt> {
  const context = { apiUrl: deps.apiUrl, guestNames };
  let content = emailFor(event, context);
  if (event.type === 'subscription.confirmation') {
    const code = newConfirmationCode();
    await storeConfirmationCode(
      deps,
      subscription,
      confirmationCodeMac(await deps.confirmationKey(), subscription, code),
    );
    content = emailFor({ ...event, data: { ...event.data, code } }, context);
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

/**
 * The inventory's names of the guests an event mentions (its guest, its run's failures), so an
 * email says `web01 (101)`. Read only for emails; a guest the inventory does not know is left out.
 */
async function guestNamesOf(deps: NotifierDeps, event: DomainEvent): Promise<ReadonlyMap<string, string>> {
  const data = event.data as { guestId?: unknown; failures?: Array<{ guestId?: unknown }> };
  const ids = new Set(
    [data.guestId, ...(Array.isArray(data.failures) ? data.failures.map((f) => f?.guestId) : [])].filter(
      (id): id is string => typeof id === 'string',
    ),
  );
  const named = await Promise.all(
    [...ids].map(async (guestId) => {
      const ref = parseGuestId(guestId);
      const guest = ref ? await deps.store.guests.get(event.tenantId, ref.clusterId, ref.vmid) : undefined;
      return guest?.name ? ([guestId, guest.name] as const) : undefined;
    }),
  );
  return new Map(named.filter((entry) => entry !== undefined));
}

/**
 * Stores the MAC of a new code (the previous code stops working, wrong answers start at zero).
 * A confirmation attempt may change the subscription meanwhile: then it is read again, so the
 * mail is not lost to a race with the person typing the old code.
 */
async function storeConfirmationCode(deps: NotifierDeps, read: Subscription, codeMac: string): Promise<void> {
  let subscription: Subscription | undefined = read;
  for (let round = 1; subscription; round++) {
    try {
      await deps.store.subscriptions.update(
        subscription,
        {
          ...subscription,
          confirmation: {
            codeMac,
            expiresAt: new Date(deps.now() + CONFIRMATION_TTL_MS).toISOString(),
            failures: 0,
          },
          version: subscription.version + 1,
          updatedAt: new Date(deps.now()).toISOString(),
        },
        [],
      );
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || round >= 5) throw error;
      subscription = await deps.store.subscriptions.get(read.tenantId, read.id);
    }
  }
  throw new NotFoundError('subscription', read.id);
}

function describe(error: unknown): string {
  const e = error as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  return `${e.message || e.name}${code && !e.message?.includes(code) ? ` (${code})` : ''}`;
}
