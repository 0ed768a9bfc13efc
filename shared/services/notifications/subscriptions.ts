import type { Page } from '#shared/adapters/dynamo/table-access.ts';
import {
  checkWebhookUrl,
  type Resolve,
  type WebhookAddressPolicy,
} from '#shared/adapters/notifications/webhook-address.ts';
import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import {
  assertVersion,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '#shared/domain/errors.ts';
import { confirmationCodeMatches } from '#shared/domain/notifications/confirmation-code.ts';
import type { Delivery } from '#shared/domain/notifications/delivery.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type {
  Subscription,
  SubscriptionFilters,
  WebhookSecrets,
} from '#shared/domain/notifications/subscription.ts';
import { newWebhookSecret } from '#shared/domain/notifications/webhook-signature.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** How long the previous webhook secret still signs after a rotation. */
export const ROTATION_GRACE_MS = 24 * 3600_000;
/** Wrong confirmation codes allowed before the code is spent. */
const MAX_CONFIRMATION_FAILURES = 5;
/**
 * Reads of a subscription for one change without If-Match, when other requests keep changing
 * it in between. Five wrong codes lock a confirmation, so even many concurrent attempts settle
 * within a few rounds.
 */
const CHANGE_ROUNDS = 10;

export interface SubscriptionDeps extends ServiceDeps {
  /**
   * Where webhook signing secrets live: apart from the Proxmox tokens (`secrets`), so the notifier,
   * which reads these, can be denied every cluster's token (in AWS: their own name prefix).
   */
  readonly webhookSecrets: SecretStore;
  /** Which webhook addresses are allowed (public only in AWS). */
  readonly webhookAddresses: WebhookAddressPolicy;
  /** DNS for webhook hosts (tests pass their own). */
  readonly resolve?: Resolve;
  /** The service key under which confirmation codes are MAC-ed (read when first needed). */
  readonly confirmationKey: () => Promise<Buffer>;
}

export interface SubscriptionInput {
  readonly kind: 'email' | 'webhook';
  readonly target: string;
  readonly description?: string;
  readonly filters?: SubscriptionFilters;
}

/** Each secret object gets a name of its own (one per create or rotation), so writing one never changes another. */
const secretName = (tenantId: string, id: string, version: string) =>
  `subscriptions/${tenantId}/${id}/${version}`;

async function checkedTarget(deps: SubscriptionDeps, input: Pick<SubscriptionInput, 'kind' | 'target'>) {
  if (input.kind !== 'webhook') return input.target;
  try {
    return (await checkWebhookUrl(input.target, deps.webhookAddresses, deps.resolve)).toString();
  } catch (error) {
    throw ValidationError.single('target', 'webhook-address', (error as Error).message);
  }
}

async function load(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  expectedVersion?: number,
): Promise<Subscription> {
  const subscription = await deps.store.subscriptions.get(context.principal.tenantId, id);
  if (!subscription) throw new NotFoundError('subscription', id);
  assertVersion('subscription', subscription.version, expectedVersion);
  return subscription;
}

/**
 * Runs a read-modify-write of one subscription. With an If-Match the client asked for its
 * version: a moved one is its 412. Without one, another request's change in between is none of
 * the client's business: read again and redo, a bounded number of times.
 */
async function withFreshRead<T>(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  expectedVersion: number | undefined,
  change: (before: Subscription) => Promise<T>,
): Promise<T> {
  for (let round = 1; ; round++) {
    const before = await load(deps, context, id, expectedVersion);
    try {
      return await change(before);
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || expectedVersion !== undefined) throw error;
      // The client set no precondition: 412 would be wrong even when others keep winning.
      if (round >= CHANGE_ROUNDS)
        throw new ConflictError('the subscription is being changed by many requests at once; try again', {
          cause: error,
        });
      // Spread the rereads of requests that lost the same race.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * round));
    }
  }
}

/** What the API shows of a subscription: never the code's MAC or the secret references. */
export function subscriptionView(subscription: Subscription) {
  const { tenantId: _t, confirmation: _c, secretRef: _s, retiredSecretRef: _r, ...view } = subscription;
  return view;
}

/** Deletes secrets that no stored subscription references; a failure leaves an orphan, never breaks the request. */
async function discardSecrets(
  deps: SubscriptionDeps,
  refs: ReadonlyArray<string | undefined>,
): Promise<void> {
  await Promise.all(
    refs.map((ref) => (ref ? deps.webhookSecrets.delete(ref).catch(() => undefined) : undefined)),
  );
}

/**
 * Subscribes an email address (pending until it answers the confirmation mail sent now) or a
 * webhook (its URL checked: https, and in AWS only public addresses); a webhook's signing
 * secret is returned here once and never again.
 */
export async function createSubscription(
  deps: SubscriptionDeps,
  context: AuditContext,
  input: SubscriptionInput,
): Promise<{ subscription: Subscription; secret?: string }> {
  const id = deps.ids.next('sub');
  await authorize(deps, context, 'manage', {
    action: 'subscription.create',
    resourceType: 'subscription',
    resourceId: id,
  });
  const target = await checkedTarget(deps, input);
  const tenantId = context.principal.tenantId;
  const now = new Date(deps.now()).toISOString();
  let secret: string | undefined;
  let secretRef: string | undefined;
  if (input.kind === 'webhook') {
    secret = newWebhookSecret();
    secretRef = await deps.webhookSecrets.put(
      secretName(tenantId, id, deps.ids.next('sec')),
      JSON.stringify({ current: secret } satisfies WebhookSecrets),
    );
  }
  const subscription: Subscription = {
    id,
    tenantId,
    kind: input.kind,
    target,
    ...(input.description ? { description: input.description } : {}),
    filters: input.filters ?? {},
    status: input.kind === 'email' ? 'pending' : 'active',
    ...(secretRef ? { secretRef } : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  try {
    await deps.store.subscriptions.create(subscription, [
      deps.store.audit.entry(
        auditEvent(deps, context, {
          action: 'subscription.create',
          resourceType: 'subscription',
          resourceId: id,
          after: auditSummary(subscriptionView(subscription)),
        }),
      ),
    ]);
  } catch (error) {
    // No subscription refers to the secret: it must not outlive the failed request.
    await discardSecrets(deps, [secretRef]);
    throw error;
  }
  if (input.kind === 'email') await requestConfirmation(deps, subscription, 'first');
  return { subscription, ...(secret ? { secret } : {}) };
}

/** Mails a (new) confirmation code; each request is its own event, so a failed mail can be asked for again. */
async function requestConfirmation(
  deps: ServiceDeps,
  subscription: Subscription,
  request: string,
): Promise<void> {
  await deps.events.publish([
    domainEvent({
      tenantId: subscription.tenantId,
      type: 'subscription.confirmation',
      subject: `${subscription.id}/${request}`,
      time: deps.now(),
      subscriptionId: subscription.id,
      data: { subscriptionId: subscription.id, address: subscription.target },
    }),
  ]);
}

/** One page of the tenant's subscriptions, oldest first. */
export async function listSubscriptions(
  deps: ServiceDeps,
  context: AuditContext,
  page: { limit: number; cursor?: string },
): Promise<Page<Subscription>> {
  return deps.store.subscriptions.list(context.principal.tenantId, page);
}

export async function getSubscription(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
): Promise<Subscription> {
  return load(deps, context, id);
}

async function change(
  deps: ServiceDeps,
  context: AuditContext,
  before: Subscription,
  after: Omit<Subscription, 'version' | 'updatedAt'>,
  action: string,
  reason?: string,
): Promise<Subscription> {
  const updated: Subscription = {
    ...after,
    version: before.version + 1,
    updatedAt: new Date(deps.now()).toISOString(),
  };
  await deps.store.subscriptions.update(before, updated, [
    deps.store.audit.entry(
      auditEvent(deps, context, {
        action,
        resourceType: 'subscription',
        resourceId: before.id,
        before: auditSummary(subscriptionView(before)),
        after: auditSummary(subscriptionView(updated)),
        ...(reason ? { reason } : {}),
      }),
    ),
  ]);
  return updated;
}

/** Changes a subscription's filters or description (its kind and target stay). */
export async function updateSubscription(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  patch: { description?: string; filters?: SubscriptionFilters },
  expectedVersion?: number,
): Promise<Subscription> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.update',
    resourceType: 'subscription',
    resourceId: id,
  });
  return withFreshRead(deps, context, id, expectedVersion, (before) =>
    change(
      deps,
      context,
      before,
      {
        ...before,
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.filters !== undefined ? { filters: patch.filters } : {}),
      },
      'subscription.update',
    ),
  );
}

export async function deleteSubscription(
  deps: SubscriptionDeps,
  context: AuditContext,
  id: string,
  expectedVersion?: number,
): Promise<void> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.delete',
    resourceType: 'subscription',
    resourceId: id,
  });
  const subscription = await withFreshRead(deps, context, id, expectedVersion, async (before) => {
    await deps.store.subscriptions.remove(before, [
      deps.store.audit.entry(
        auditEvent(deps, context, {
          action: 'subscription.delete',
          resourceType: 'subscription',
          resourceId: id,
          before: auditSummary(subscriptionView(before)),
        }),
      ),
    ]);
    return before;
  });
  await discardSecrets(deps, [subscription.secretRef, subscription.retiredSecretRef]);
}

/**
 * Activates an email subscription with the code it was mailed; five wrong codes spend it.
 * 1. Reads the subscription; a spent, expired or pre-MAC code is refused.
 * 2. Compares the code's MAC in constant time.
 * 3. Writes the outcome (active, or one more failure) on the version read; when another attempt
 *    wrote first, reads again and decides again, so concurrent attempts never get 412 and
 *    never count more than five failures.
 */
export async function confirmSubscription(
  deps: SubscriptionDeps,
  context: AuditContext,
  id: string,
  code: string,
): Promise<Subscription> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.confirm',
    resourceType: 'subscription',
    resourceId: id,
  });
  const key = await deps.confirmationKey();
  return withFreshRead(deps, context, id, undefined, async (before) => {
    if (before.kind !== 'email') throw new ConflictError('only email subscriptions are confirmed');
    if (before.status === 'active') return before;
    const pending = before.confirmation;
    if (
      !pending?.codeMac ||
      Date.parse(pending.expiresAt) <= deps.now() ||
      pending.failures >= MAX_CONFIRMATION_FAILURES
    )
      throw ValidationError.single(
        'code',
        'confirmation.expired',
        'the confirmation code expired or was used up; ask for a new one (POST …/resend-confirmation)',
      );
    if (!confirmationCodeMatches(key, before, code, pending.codeMac)) {
      await change(
        deps,
        context,
        before,
        { ...before, confirmation: { ...pending, failures: pending.failures + 1 } },
        'subscription.confirm',
        'wrong code',
      );
      throw ValidationError.single('code', 'confirmation.code', 'the confirmation code is not correct');
    }
    const { confirmation: _, ...rest } = before;
    return change(deps, context, before, { ...rest, status: 'active' }, 'subscription.confirm');
  });
}

/** Mails a new confirmation code to a pending email subscription (the previous code stops working). */
export async function resendConfirmation(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
): Promise<void> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.resend-confirmation',
    resourceType: 'subscription',
    resourceId: id,
  });
  const subscription = await load(deps, context, id);
  if (subscription.kind !== 'email' || subscription.status !== 'pending')
    throw new ConflictError('only a pending email subscription is confirmed');
  await deps.store.audit.record(
    auditEvent(deps, context, {
      action: 'subscription.resend-confirmation',
      resourceType: 'subscription',
      resourceId: id,
    }),
  );
  await requestConfirmation(deps, subscription, deps.ids.next('cnf'));
}

/**
 * A new signing secret, returned once; the previous one keeps signing alongside for 24 hours.
 * 1. Reads the subscription and checks If-Match: a stale one is refused before anything is written.
 * 2. Writes the new secrets (new and previous) to a secret of their own.
 * 3. Points the subscription at it, on the version read: the table is where the rotation
 *    happens, so deliveries switch only when the client gets the new secret. A refused write
 *    (412) deletes the unused secret; without If-Match the rotation is redone on a fresh read.
 * 4. Deletes the secret retired by the rotation before (kept one rotation for deliveries in flight).
 */
export async function rotateWebhookSecret(
  deps: SubscriptionDeps,
  context: AuditContext,
  id: string,
  expectedVersion?: number,
): Promise<{ subscription: Subscription; secret: string; previousValidUntil: string }> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.rotate-secret',
    resourceType: 'subscription',
    resourceId: id,
  });
  const rotated = await withFreshRead(deps, context, id, expectedVersion, async (before) => {
    if (before.kind !== 'webhook' || !before.secretRef)
      throw new ConflictError('only webhooks have a signing secret');
    const current = JSON.parse(await deps.webhookSecrets.get(before.secretRef)) as WebhookSecrets;
    const secret = newWebhookSecret();
    const previousValidUntil = new Date(deps.now() + ROTATION_GRACE_MS).toISOString();
    const secretRef = await deps.webhookSecrets.put(
      secretName(before.tenantId, id, deps.ids.next('sec')),
      JSON.stringify({
        current: secret,
        previous: current.current,
        previousUntil: previousValidUntil,
      } satisfies WebhookSecrets),
    );
    try {
      const subscription = await change(
        deps,
        context,
        before,
        { ...before, secretRef, retiredSecretRef: before.secretRef },
        'subscription.rotate-secret',
      );
      return { subscription, secret, previousValidUntil, discarded: before.retiredSecretRef };
    } catch (error) {
      await discardSecrets(deps, [secretRef]);
      throw error;
    }
  });
  await discardSecrets(deps, [rotated.discarded]);
  const { discarded: _, ...result } = rotated;
  return result;
}

/** Sends a test event to this subscription only (whatever its filters; an email must be confirmed). */
export async function sendTestEvent(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
): Promise<{ eventId: string }> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.test',
    resourceType: 'subscription',
    resourceId: id,
  });
  const subscription = await load(deps, context, id);
  if (subscription.status !== 'active')
    throw new ConflictError('the email address has not confirmed the subscription yet');
  const event = domainEvent({
    tenantId: subscription.tenantId,
    type: 'notification.test',
    subject: `${id}/${deps.ids.next('tst')}`,
    time: deps.now(),
    subscriptionId: id,
    data: { subscriptionId: id, message: 'This is a test notification.' },
  });
  await deps.events.publish([event]);
  return { eventId: event.id };
}

/** One page of a subscription's deliveries, newest first. */
export async function listDeliveries(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  page: { limit: number; cursor?: string },
): Promise<Page<Delivery>> {
  await load(deps, context, id);
  return deps.store.deliveries.list(context.principal.tenantId, id, page);
}
