import { z } from 'zod';
import { defineEntity, tenantPartition } from '../entity.ts';
import type { TenantProfile } from '../tenant-store.ts';

const tenantSchema: z.ZodType<TenantProfile> = z.object({
  id: z.string(),
  plan: z.string(),
  timezone: z.string(),
  createdAt: z.string(),
});

/** A tenant's profile, created on the first request of one of its tokens. */
export const tenantEntity = defineEntity({
  name: 'tenant',
  schema: tenantSchema,
  key: (tenant: { id: string }) => ({ pk: tenantPartition(tenant.id), sk: 'PROFILE' }),
});
