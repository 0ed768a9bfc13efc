import { createRoute, z } from '@hono/zod-openapi';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import { DELIVERY_STATUSES } from '#shared/domain/notifications/delivery.ts';
import { EVENT_OUTCOMES, EVENT_TYPES } from '#shared/domain/notifications/events.ts';
import { SUBSCRIPTION_KINDS, SUBSCRIPTION_STATUSES } from '#shared/domain/notifications/subscription.ts';
import {
  commonErrors,
  etagHeader,
  IdempotencyHeader,
  IfMatchHeader,
  idParam,
  json,
  PageQuery,
  pageOf,
  problemContent,
  requires,
  safeText,
  staleVersionError,
} from '../schemas.ts';

const tags = ['Subscriptions'];

const FiltersSchema = z
  .strictObject({
    types: z
      .array(z.enum(EVENT_TYPES))
      .max(EVENT_TYPES.length)
      .optional()
      .openapi({ description: 'Only these event types (all when absent or empty)' }),
    outcomes: z
      .array(z.enum(EVENT_OUTCOMES))
      .max(2)
      .optional()
      .openapi({ description: 'Only these outcomes (both when absent or empty)' }),
    policies: z
      .array(z.string().regex(ID_PATTERN, 'must be a policy id as returned by the API'))
      .max(100)
      .optional()
      .openapi({ description: 'Only events of these policies (all when absent or empty)' }),
  })
  .openapi('SubscriptionFilters');

const EmailInput = z.strictObject({
  kind: z.literal('email'),
  target: z
    .email()
    .max(254)
    .openapi({ description: 'The address; it must answer a confirmation mail first' }),
  description: safeText(z.string().max(500)).optional(),
  filters: FiltersSchema.optional(),
});
const WebhookInput = z.strictObject({
  kind: z.literal('webhook'),
  target: z.url().max(2048).openapi({
    description:
      'An https URL (plain http only to loopback in the local runtime); public addresses only in AWS',
  }),
  description: safeText(z.string().max(500)).optional(),
  filters: FiltersSchema.optional(),
});
export const SubscriptionInputSchema = z
  .discriminatedUnion('kind', [EmailInput, WebhookInput])
  .openapi('SubscriptionInput');

const SubscriptionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(SUBSCRIPTION_KINDS),
    target: z.string(),
    description: z.string().optional(),
    filters: FiltersSchema,
    status: z.enum(SUBSCRIPTION_STATUSES).openapi({
      description: '`pending`: the email address has not confirmed yet; nothing else is sent to it',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('Subscription');

const WithSecret = SubscriptionSchema.extend({
  secret: z
    .string()
    .optional()
    .openapi({ description: 'Webhooks only: the signing secret (`whsec_...`), shown this once' }),
}).openapi('SubscriptionCreated');

const idParams = z.object({ subscriptionId: idParam('subscriptionId', 'sub') });

export const createSubscriptionRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions',
  tags,
  summary: 'Subscribe an email address or a webhook to events (admin)',
  ...requires('admin', 'subscription.create'),
  request: { headers: IdempotencyHeader, body: { content: json(SubscriptionInputSchema), required: true } },
  responses: { 201: { description: 'Created', content: json(WithSecret) }, ...commonErrors },
});

export const listSubscriptionsRoute = createRoute({
  method: 'get',
  path: '/v1/subscriptions',
  tags,
  summary: 'The tenant\u2019s subscriptions, oldest first',
  request: { query: PageQuery },
  responses: {
    200: {
      description: 'One page of subscriptions',
      content: json(pageOf(SubscriptionSchema, 'SubscriptionList')),
    },
    ...commonErrors,
  },
});

export const getSubscriptionRoute = createRoute({
  method: 'get',
  path: '/v1/subscriptions/{subscriptionId}',
  tags,
  summary: 'One subscription',
  request: { params: idParams },
  responses: {
    200: {
      description: 'The subscription',
      content: json(SubscriptionSchema),
      headers: etagHeader('subscription'),
    },
    ...commonErrors,
  },
});

export const updateSubscriptionRoute = createRoute({
  method: 'patch',
  path: '/v1/subscriptions/{subscriptionId}',
  tags,
  summary: 'Change a subscription\u2019s filters or description (admin)',
  ...requires('admin', 'subscription.update'),
  request: {
    params: idParams,
    headers: IfMatchHeader,
    body: {
      content: json(
        z
          .strictObject({
            description: safeText(z.string().max(500)).optional(),
            filters: FiltersSchema.optional(),
          })
          .openapi('SubscriptionPatch'),
      ),
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The subscription',
      content: json(SubscriptionSchema),
      headers: etagHeader('subscription'),
    },
    ...staleVersionError,
    ...commonErrors,
    409: { description: 'Changed by too many requests at once; try again', content: problemContent },
  },
});

export const deleteSubscriptionRoute = createRoute({
  method: 'delete',
  path: '/v1/subscriptions/{subscriptionId}',
  tags,
  summary: 'Unsubscribe (admin)',
  ...requires('admin', 'subscription.delete'),
  request: { params: idParams, headers: IfMatchHeader },
  responses: {
    204: { description: 'Removed' },
    ...staleVersionError,
    ...commonErrors,
    409: { description: 'Changed by too many requests at once; try again', content: problemContent },
  },
});

export const confirmSubscriptionRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{subscriptionId}/confirm',
  tags,
  summary: 'Confirm an email subscription with the code it was mailed (admin)',
  ...requires('admin', 'subscription.confirm'),
  request: {
    params: idParams,
    body: {
      content: json(
        z
          .strictObject({ code: z.string().regex(/^\d{6}$/, 'must be the 6-digit code from the mail') })
          .openapi('ConfirmationInput'),
      ),
      required: true,
    },
  },
  responses: {
    200: { description: 'Active', content: json(SubscriptionSchema) },
    ...commonErrors,
    409: { description: 'Not an email subscription, or too many attempts at once', content: problemContent },
  },
});

export const resendConfirmationRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{subscriptionId}/resend-confirmation',
  tags,
  summary: 'Mail a new confirmation code to a pending email subscription (admin)',
  ...requires('admin', 'subscription.resend-confirmation'),
  request: { params: idParams },
  responses: {
    202: { description: 'A new code is on its way' },
    ...commonErrors,
    409: { description: 'Not a pending email subscription', content: problemContent },
  },
});

export const rotateSecretRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{subscriptionId}/rotate-secret',
  tags,
  summary: 'New webhook signing secret, shown once; the old one still signs for 24 hours (admin)',
  ...requires('admin', 'subscription.rotate-secret'),
  request: { params: idParams, headers: IfMatchHeader },
  responses: {
    200: {
      description: 'The new secret',
      content: json(
        z.object({ secret: z.string(), previousValidUntil: z.string() }).openapi('RotatedSecret'),
      ),
      headers: etagHeader('subscription'),
    },
    ...staleVersionError,
    ...commonErrors,
    409: { description: 'Not a webhook, or changed by too many requests at once', content: problemContent },
  },
});

export const testSubscriptionRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{subscriptionId}/test',
  tags,
  summary: 'Send a test event to this subscription (admin)',
  ...requires('admin', 'subscription.test'),
  request: { params: idParams },
  responses: {
    202: {
      description: 'Sent; see the deliveries',
      content: json(z.object({ eventId: z.string() }).openapi('TestEventSent')),
    },
    ...commonErrors,
    409: { description: 'The email address has not confirmed the subscription yet', content: problemContent },
  },
});

const AttemptSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  status: z.number().int().optional().openapi({ description: 'Webhook: the receiver\u2019s HTTP status' }),
  reply: z.string().optional().openapi({ description: 'Email: the SMTP server\u2019s reply' }),
  error: z.string().optional(),
  latencyMs: z.number(),
});

export const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/subscriptions/{subscriptionId}/deliveries',
  tags,
  summary: 'Delivery attempts to this subscription, newest first (kept 30 days)',
  request: { params: idParams, query: PageQuery },
  responses: {
    200: {
      description: 'One page of deliveries',
      content: json(
        pageOf(
          z.object({
            eventId: z.string(),
            eventType: z.string(),
            createdAt: z.string(),
            status: z.enum(DELIVERY_STATUSES),
            attempts: z.array(AttemptSchema),
            nextRetryAt: z.string().optional(),
          }),
          'DeliveryList',
        ),
      ),
    },
    ...commonErrors,
  },
});
