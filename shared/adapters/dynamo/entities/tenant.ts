import { z } from 'zod';
import { defineEntity, tenantPartition } from '../entity.ts';
import type { TenantProfile } from '../tenant-store.ts';

// Profiles from before tenant settings lack the settings fields: they read as the defaults.
const tenantSchema = z
  .object({
    id: z.string(),
    plan: z.string(),
    timezone: z.string(),
    unprotectedGuestEvents: z.boolean().default(false),
    storageGuardPercent: z.number().optional(),
    createdAt: z.string(),
    updatedAt: z.string().optional(),
    version: z.number().int().default(1),
  })
  .transform((profile): TenantProfile => ({ ...profile, updatedAt: profile.updatedAt ?? profile.createdAt }));

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
