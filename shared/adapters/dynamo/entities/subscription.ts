import { z } from 'zod';
import { EVENT_OUTCOMES, EVENT_TYPES } from '#shared/domain/notifications/events.ts';
import {
  SUBSCRIPTION_KINDS,
  SUBSCRIPTION_STATUSES,
  type Subscription,
} from '#shared/domain/notifications/subscription.ts';
import { byIdInTenant, defineEntity } from '../entity.ts';

const subscriptionSchema: z.ZodType<Subscription> = z.object({
  id: z.string(),
  tenantId: z.string(),
  kind: z.enum(SUBSCRIPTION_KINDS),
  target: z.string(),
  description: z.string().optional(),
  filters: z.object({
    types: z.array(z.enum(EVENT_TYPES)).optional(),
    outcomes: z.array(z.enum(EVENT_OUTCOMES)).optional(),
    policies: z.array(z.string()).optional(),
  }),
  status: z.enum(SUBSCRIPTION_STATUSES),
  // Items from before the MAC hold `codeHash` instead: dropped here, such a code counts as expired.
  confirmation: z
    .object({ codeMac: z.string().optional(), expiresAt: z.string(), failures: z.number() })
    .optional(),
  secretRef: z.string().optional(),
  retiredSecretRef: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});

/** Where a tenant's events go; `version` for optimistic updates; secrets only as references. */
export const subscriptionEntity = defineEntity({
  name: 'subscription',
  schema: subscriptionSchema,
  ...byIdInTenant('SUBSCRIPTION'),
});
