import { z } from 'zod';
import { AUDIT_OUTCOMES, type AuditEvent } from '#shared/domain/audit.ts';
import { isRole } from '#shared/domain/roles.ts';
import { shareOf } from '../counter-shares.ts';
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
 * A tenant's audit events are written over this many partitions (write sharding): one partition
 * takes about 1,000 writes a second, and a large run records an event per pruned snapshot. A
 * listing queries every shard and merges them in time order.
 */
export const AUDIT_SHARDS = 8;

/** The shard of an event, from its id: a retried write of the same event lands on the same item. */
export const auditShardOf = (eventId: string): number => shareOf(eventId, AUDIT_SHARDS);

const auditPartition = (tenantId: string, shard: number) => `${tenantPartition(tenantId)}#AUDIT#${shard}`;

/**
 * The audit trail: append-only, in partitions of its own per tenant (see {@link AUDIT_SHARDS}),
 * expired after the retention period; one resource's events through `byResource`.
 */
export const auditEntity = defineEntity({
  name: 'audit',
  schema: auditSchema,
  key: (event: { tenantId: string; at: string; id: string }) => ({
    pk: auditPartition(event.tenantId, auditShardOf(event.id)),
    sk: timeOrder(event),
  }),
  /** One shard of a tenant's trail. */
  collection: (shard: { tenantId: string; shard: number }) => ({
    pk: auditPartition(shard.tenantId, shard.shard),
  }),
  indexes: {
    byResource: {
      partition: (resource: { tenantId: string; resourceType: string; resourceId: string }) =>
        `${tenantPartition(resource.tenantId)}#RESOURCE#${resource.resourceType}#${resource.resourceId}`,
      sort: timeOrder,
    },
  },
  ttl: (event, lifetimes) => daysAfter(event.at, lifetimes.historyDays),
});
