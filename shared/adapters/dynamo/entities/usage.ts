import { z } from 'zod';
import type { StorageUsage } from '#shared/domain/plans/usage-counter.ts';
import { shareSuffix } from '../counter-shares.ts';
import { defineEntity, tenantPartition } from '../entity.ts';

interface UsageKey {
  readonly tenantId: string;
  readonly storage: string;
  /** Absent on a counter written before shares: it keeps its key, and counts the same. */
  readonly share?: number | undefined;
}

/** One share of a storage's counter (items written before shares have none: they count the same). */
type UsageShare = StorageUsage & { readonly tenantId: string; readonly share?: number };

const usageSchema: z.ZodType<UsageShare> = z.object({
  tenantId: z.string(),
  storage: z.string(),
  bytes: z.number(),
  archives: z.number(),
  share: z.number().optional(),
});

/**
 * One share of the tenant's usage counter of one storage (bytes and number of its archives), added
 * to in the transactions that record and delete archives (spread over shares by guest, see
 * counter-shares.ts); the byte quotas read the tenant's with one Query and sum each storage's.
 */
export const usageEntity = defineEntity({
  name: 'usage',
  schema: usageSchema,
  key: (u: UsageKey) => ({
    pk: tenantPartition(u.tenantId),
    sk: u.share === undefined ? `USAGE#${u.storage}` : `USAGE#${u.storage}#${shareSuffix(u.share)}`,
  }),
  collection: (u: { tenantId: string }) => ({ pk: tenantPartition(u.tenantId), skPrefix: 'USAGE#' }),
});
