import { z } from 'zod';
import { AUDIT_OUTCOMES, type AuditEvent } from '#shared/domain/audit.ts';
import { isRole } from '#shared/domain/roles.ts';
import { daysAfter, defineEntity, tenantPartition } from '../entity.ts';

const auditSchema: z.ZodType<AuditEvent> = z.object({
  id: z.string(),
  tenantId: z.string(),
  at: z.string(),
  actor: z.string(),
  role: z.custom<AuditEvent['role']>((role) => role === 'system' || isRole(role), 'not a role'),
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string(),
  outcome: z.enum(AUDIT_OUTCOMES),
  requestId: z.string(),
  before: z.record(z.string(), z.unknown()).optional(),
  after: z.record(z.string(), z.unknown()).optional(),
  reason: z.string().optional(),
});

/** Audit events sort by time, then id: a time range is a key range. */
const timeOrder = (event: { at: string; id: string }) => `${event.at}#${event.id}`;

/**
 * The audit trail: append-only, in its own partition per tenant, expired after the retention
 * period; one resource's events through `byResource`.
 */
export const auditEntity = defineEntity({
  name: 'audit',
  schema: auditSchema,
  key: (event: { tenantId: string; at: string; id: string }) => ({
    pk: `${tenantPartition(event.tenantId)}#AUDIT`,
    sk: timeOrder(event),
  }),
  collection: (tenant: { tenantId: string }) => ({ pk: `${tenantPartition(tenant.tenantId)}#AUDIT` }),
  indexes: {
    byResource: {
      partition: (resource: { tenantId: string; resourceType: string; resourceId: string }) =>
        `${tenantPartition(resource.tenantId)}#RESOURCE#${resource.resourceType}#${resource.resourceId}`,
      sort: timeOrder,
    },
  },
  ttl: (event, lifetimes) => daysAfter(event.at, lifetimes.historyDays),
});
