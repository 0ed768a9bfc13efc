import { createRoute, z } from '@hono/zod-openapi';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import { EVENT_TYPES } from '#shared/domain/notifications/events.ts';
import {
  commonErrors,
  etagHeader,
  IdempotencyHeader,
  IfMatchHeader,
  idParam,
  json,
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
      .array(z.enum(['success', 'failure']))
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
  description: z.string().max(500).optional(),
  filters: FiltersSchema.optional(),
});
const WebhookInput = z.strictObject({
  kind: z.literal('webhook'),
  target: z.url().max(2048).openapi({
    description:
      'An https URL (plain http only to loopback in the local runtime); public addresses only in AWS',
  }),
  description: z.string().max(500).optional(),
  filters: FiltersSchema.optional(),
});
const SubscriptionInputSchema = z
  .discriminatedUnion('kind', [EmailInput, WebhookInput])
  .openapi('SubscriptionInput');

const SubscriptionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['email', 'webhook']),
    target: z.string(),
    description: z.string().optional(),
    filters: FiltersSchema,
    status: z.enum(['pending', 'active']).openapi({
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
  request: { headers: IdempotencyHeader, body: { content: json(SubscriptionInputSchema), required: true } },
  responses: { 201: { description: 'Created', content: json(WithSecret) }, ...commonErrors },
});

export const listSubscriptionsRoute = createRoute({
  method: 'get',
  path: '/v1/subscriptions',
  tags,
  summary: 'The tenant\u2019s subscriptions',
  responses: {
    200: {
      description: 'All subscriptions',
      content: json(z.object({ items: z.array(SubscriptionSchema) }).openapi('SubscriptionList')),
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
  request: {
    params: idParams,
    headers: IfMatchHeader,
    body: {
      content: json(
        z
          .strictObject({ description: z.string().max(500).optional(), filters: FiltersSchema.optional() })
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
  },
});

export const deleteSubscriptionRoute = createRoute({
  method: 'delete',
  path: '/v1/subscriptions/{subscriptionId}',
  tags,
  summary: 'Unsubscribe (admin)',
  request: { params: idParams, headers: IfMatchHeader },
  responses: { 204: { description: 'Removed' }, ...staleVersionError, ...commonErrors },
});

export const confirmSubscriptionRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{subscriptionId}/confirm',
  tags,
  summary: 'Confirm an email subscription with the code it was mailed (admin)',
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
  responses: { 200: { description: 'Active', content: json(SubscriptionSchema) }, ...commonErrors },
});

export const resendConfirmationRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{subscriptionId}/resend-confirmation',
  tags,
  summary: 'Mail a new confirmation code to a pending email subscription (admin)',
  request: { params: idParams },
  responses: { 202: { description: 'A new code is on its way' }, ...commonErrors },
});

export const rotateSecretRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{subscriptionId}/rotate-secret',
  tags,
  summary: 'New webhook signing secret, shown once; the old one still signs for 24 hours (admin)',
  request: { params: idParams },
  responses: {
    200: {
      description: 'The new secret',
      content: json(
        z.object({ secret: z.string(), previousValidUntil: z.string() }).openapi('RotatedSecret'),
      ),
    },
    ...commonErrors,
  },
});

export const testSubscriptionRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions/{subscriptionId}/test',
  tags,
  summary: 'Send a test event to this subscription (admin)',
  request: { params: idParams },
  responses: {
    202: {
      description: 'Sent; see the deliveries',
      content: json(z.object({ eventId: z.string() }).openapi('TestEventSent')),
    },
    ...commonErrors,
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
  request: {
    params: idParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
  },
  responses: {
    200: {
      description: 'Deliveries',
      content: json(
        z
          .object({
            items: z.array(
              z.object({
                eventId: z.string(),
                eventType: z.string(),
                createdAt: z.string(),
                status: z.enum(['delivering', 'delivered', 'failed']),
                attempts: z.array(AttemptSchema),
                nextRetryAt: z.string().optional(),
              }),
            ),
          })
          .openapi('DeliveryList'),
      ),
    },
    ...commonErrors,
  },
});
