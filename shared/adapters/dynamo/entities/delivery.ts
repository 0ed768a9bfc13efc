import { z } from 'zod';
import { DELIVERY_STATUSES, type Delivery } from '#shared/domain/notifications/delivery.ts';
import { type DomainEvent, EVENT_OUTCOMES, EVENT_TYPES } from '#shared/domain/notifications/events.ts';
import { defineEntity, tenantPartition } from '../entity.ts';

/** Deliveries are kept this long for `GET /v1/subscriptions/{id}/deliveries`. */
const DELIVERY_TTL_DAYS = 30;

/** A delivery as stored: `claimedAt` (epoch ms) tells an abandoned claim from a live one (never shown). */
type StoredDelivery = Delivery & { readonly claimedAt: number };

const deliverySchema: z.ZodType<StoredDelivery> = z.object({
  tenantId: z.string(),
  subscriptionId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  createdAt: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.array(
    z.object({
      at: z.string(),
      ok: z.boolean(),
      status: z.number().optional(),
      reply: z.string().optional(),
      error: z.string().optional(),
      latencyMs: z.number(),
    }),
  ),
  nextRetryAt: z.string().optional(),
  claimedAt: z.number(),
});

const deliveriesOf = (subscription: { tenantId: string; subscriptionId: string }) =>
  `${tenantPartition(subscription.tenantId)}#DELIVERIES#${subscription.subscriptionId}`;

/**
 * One event's delivery to one subscription, every attempt listed; the key is the
 * de-duplication. A subscription's deliveries newest first through `byResource`.
 */
export const deliveryEntity = defineEntity({
  name: 'delivery',
  schema: deliverySchema,
  key: (delivery: { tenantId: string; subscriptionId: string; eventId: string }) => ({
    pk: deliveriesOf(delivery),
    sk: delivery.eventId,
  }),
  indexes: {
    byResource: {
      partition: deliveriesOf,
      sort: (delivery) => `${delivery.createdAt}#${delivery.eventId}`,
    },
  },
  ttl: (_delivery, lifetimes) => lifetimes.nowSeconds + DELIVERY_TTL_DAYS * 86_400,
});

const eventSchema: z.ZodType<DomainEvent> = z.object({
  id: z.string(),
  type: z.enum([...EVENT_TYPES, 'notification.test', 'subscription.confirmation']),
  time: z.string(),
  tenantId: z.string(),
  outcome: z.enum(EVENT_OUTCOMES),
  policyId: z.string().optional(),
  subscriptionId: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});

const OUTBOX = 'OUTBOX';

/**
 * The local runtime's outbox: published events the in-process notifier has not handled yet.
 * Not per tenant: a queue, written once per event id.
 */
export const outboxEntity = defineEntity({
  name: 'outbox',
  schema: z.object({ event: eventSchema }),
  key: (entry: { eventId: string }) => ({ pk: OUTBOX, sk: entry.eventId }),
  collection: (_queue: object) => ({ pk: OUTBOX }),
});
