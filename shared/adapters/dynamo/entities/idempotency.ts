import { z } from 'zod';
import { defineEntity, tenantPartition } from '../entity.ts';
import type { IdempotencyRecord } from '../idempotency-store.ts';

const fingerprint = z.string();

const idempotencySchema: z.ZodType<IdempotencyRecord> = z.discriminatedUnion('state', [
  z.object({ state: z.literal('in_progress'), fingerprint }),
  z.object({
    state: z.literal('completed'),
    fingerprint,
    response: z.object({
      status: z.number(),
      headers: z.record(z.string(), z.string()),
      body: z.string(),
    }),
  }),
]);

/** A claimed idempotency key: in progress, or completed with the first response (kept for a retry). */
export const idempotencyEntity = defineEntity({
  name: 'idempotency',
  schema: idempotencySchema,
  key: (claim: { tenantId: string; key: string }) => ({
    pk: tenantPartition(claim.tenantId),
    sk: `IDEMPOTENCY#${claim.key}`,
  }),
  ttl: (_record, lifetimes) => lifetimes.nowSeconds + lifetimes.idempotencySeconds,
});
