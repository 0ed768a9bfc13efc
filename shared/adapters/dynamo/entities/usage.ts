import { z } from 'zod';
import type { StorageUsage } from '#shared/domain/plans/usage-counter.ts';
import { defineEntity, tenantPartition } from '../entity.ts';

interface UsageKey {
  readonly tenantId: string;
  readonly storage: string;
}

const usageSchema: z.ZodType<StorageUsage & { tenantId: string }> = z.object({
  tenantId: z.string(),
  storage: z.string(),
  bytes: z.number(),
  archives: z.number(),
});

/**
 * The tenant's usage counter of one storage (bytes and number of its archives), added to in the
 * transactions that record and delete archives; the byte quotas read the tenant's with one Query.
 */
export const usageEntity = defineEntity({
  name: 'usage',
  schema: usageSchema,
  key: (u: UsageKey) => ({ pk: tenantPartition(u.tenantId), sk: `USAGE#${u.storage}` }),
  collection: (u: { tenantId: string }) => ({ pk: tenantPartition(u.tenantId), skPrefix: 'USAGE#' }),
});
