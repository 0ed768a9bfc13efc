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

const registrationSchema = z.object({ tenantId: z.string() });

/**
 * A tenant's entry in the registry of tenants (written by every inventory sync and first request),
 * so the daily sweep and the schedule repair list tenants with one Query on the byResource index
 * instead of a Scan of the table.
 */
export const tenantRegistrationEntity = defineEntity({
  name: 'tenant-registration',
  schema: registrationSchema,
  key: (tenant: { tenantId: string }) => ({ pk: tenantPartition(tenant.tenantId), sk: 'REGISTRATION' }),
  indexes: {
    byResource: { partition: () => 'TENANTS', sort: (tenant) => tenant.tenantId },
  },
});
