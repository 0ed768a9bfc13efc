import { z } from 'zod';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import { byIdInTenant, defineEntity } from '../entity.ts';

const exclusionSchema: z.ZodType<Exclusion> = z.object({
  id: z.string(),
  tenantId: z.string(),
  guestId: z.string(),
  policyId: z.string().optional(),
  reason: z.string(),
  expiresAt: z.string().optional(),
  createdAt: z.string(),
  createdBy: z.string(),
});

/** An exclusion of a guest (from one policy or all); one with an expiry carries it as its TTL. */
export const exclusionEntity = defineEntity({
  name: 'exclusion',
  schema: exclusionSchema,
  ...byIdInTenant('EXCLUSION'),
  ttl: (exclusion) => (exclusion.expiresAt ? Math.floor(Date.parse(exclusion.expiresAt) / 1000) : undefined),
});
