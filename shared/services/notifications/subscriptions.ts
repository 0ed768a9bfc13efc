import { timingSafeEqual } from 'node:crypto';
import {
  checkWebhookUrl,
  type Resolve,
  type WebhookAddressPolicy,
} from '#shared/adapters/notifications/webhook-address.ts';
import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import { assertVersion, ConflictError, NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import type { Delivery } from '#shared/domain/notifications/delivery.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type {
  Subscription,
  SubscriptionFilters,
  WebhookSecrets,
} from '#shared/domain/notifications/subscription.ts';
import { newWebhookSecret } from '#shared/domain/notifications/webhook-signature.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { hashCode } from './notifier.ts';

/** How long the previous webhook secret still signs after a rotation. */
export const ROTATION_GRACE_MS = 24 * 3600_000;
/** Wrong confirmation codes allowed before the code is spent. */
const MAX_CONFIRMATION_FAILURES = 5;

export interface SubscriptionDeps extends ServiceDeps {
  /** Which webhook addresses are allowed (public only in AWS). */
  readonly webhookAddresses: WebhookAddressPolicy;
  /** DNS for webhook hosts (tests pass their own). */
  readonly resolve?: Resolve;
}

export interface SubscriptionInput {
  readonly kind: 'email' | 'webhook';
  readonly target: string;
  readonly description?: string;
  readonly filters?: SubscriptionFilters;
}

const secretName = (tenantId: string, id: string) => `subscriptions/${tenantId}/${id}`;

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

/** What the API shows of a subscription: never the code hash or the secret reference. */
export function subscriptionView(subscription: Subscription) {
  const { tenantId: _t, confirmation: _c, secretRef: _s, ...view } = subscription;
  return view;
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
    secretRef = await deps.secrets.put(
      secretName(tenantId, id),
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

export async function listSubscriptions(deps: ServiceDeps, context: AuditContext): Promise<Subscription[]> {
  return (await deps.store.subscriptions.all(context.principal.tenantId)).sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : 1,
  );
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
  const before = await load(deps, context, id, expectedVersion);
  return change(
    deps,
    context,
    before,
    {
      ...before,
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.filters !== undefined ? { filters: patch.filters } : {}),
    },
    'subscription.update',
  );
}

export async function deleteSubscription(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  expectedVersion?: number,
): Promise<void> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.delete',
    resourceType: 'subscription',
    resourceId: id,
  });
  const subscription = await load(deps, context, id, expectedVersion);
  await deps.store.subscriptions.remove(subscription, [
    deps.store.audit.entry(
      auditEvent(deps, context, {
        action: 'subscription.delete',
        resourceType: 'subscription',
        resourceId: id,
        before: auditSummary(subscriptionView(subscription)),
      }),
    ),
  ]);
  if (subscription.secretRef) await deps.secrets.delete(subscription.secretRef);
}

/** Activates an email subscription with the code it was mailed; five wrong codes spend it. */
export async function confirmSubscription(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  code: string,
): Promise<Subscription> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.confirm',
    resourceType: 'subscription',
    resourceId: id,
  });
  const before = await load(deps, context, id);
  if (before.kind !== 'email') throw new ConflictError('only email subscriptions are confirmed');
  if (before.status === 'active') return before;
  const pending = before.confirmation;
  if (
    !pending ||
    Date.parse(pending.expiresAt) <= deps.now() ||
    pending.failures >= MAX_CONFIRMATION_FAILURES
  )
    throw ValidationError.single(
      'code',
      'confirmation.expired',
      'the confirmation code expired or was used up; delete the subscription and create it again',
    );
  const expected = Buffer.from(pending.codeHash, 'hex');
  const given = Buffer.from(hashCode(code), 'hex');
  if (!timingSafeEqual(expected, given)) {
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

/** A new signing secret, returned once; the previous one keeps signing alongside for 24 hours. */
export async function rotateWebhookSecret(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
): Promise<{ subscription: Subscription; secret: string; previousValidUntil: string }> {
  await authorize(deps, context, 'manage', {
    action: 'subscription.rotate-secret',
    resourceType: 'subscription',
    resourceId: id,
  });
  const before = await load(deps, context, id);
  if (before.kind !== 'webhook' || !before.secretRef)
    throw new ConflictError('only webhooks have a signing secret');
  const current = JSON.parse(await deps.secrets.get(before.secretRef)) as WebhookSecrets;
  const secret = newWebhookSecret();
  const previousValidUntil = new Date(deps.now() + ROTATION_GRACE_MS).toISOString();
  const secretRef = await deps.secrets.put(
    secretName(before.tenantId, id),
    JSON.stringify({
      current: secret,
      previous: current.current,
      previousUntil: previousValidUntil,
    } satisfies WebhookSecrets),
  );
  const subscription = await change(
    deps,
    context,
    before,
    { ...before, secretRef },
    'subscription.rotate-secret',
  );
  return { subscription, secret, previousValidUntil };
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

export async function listDeliveries(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  limit: number,
): Promise<Delivery[]> {
  await load(deps, context, id);
  return deps.store.deliveries.list(context.principal.tenantId, id, limit);
}
