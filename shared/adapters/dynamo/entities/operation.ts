import { z } from 'zod';
import { OPERATION_KINDS, OPERATION_STATUSES, type Operation } from '#shared/domain/operation.ts';
import { byIdInTenant, daysAfter, defineEntity, tenantPartition } from '../entity.ts';

const made = z.object({
  newGuestId: z.string().optional(),
  safetySnapshot: z.string().optional(),
  safetyBackupStorage: z.string().optional(),
  safetyBackupId: z.string().optional(),
});

const operationSchema: z.ZodType<Operation> = z.object({
  id: z.string(),
  tenantId: z.string(),
  kind: z.enum(OPERATION_KINDS),
  guestId: z.string(),
  snapshotName: z.string(),
  backupId: z.string().optional(),
  status: z.enum(OPERATION_STATUSES),
  request: z.object({
    description: z.string().optional(),
    includeMemory: z.boolean().optional(),
    safetySnapshot: z.boolean().optional(),
    safetyBackup: z.boolean().optional(),
    start: z.boolean().optional(),
    newGuest: z
      .object({
        vmid: z.number().optional(),
        name: z.string().optional(),
        node: z.string().optional(),
        storage: z.string().optional(),
        pool: z.string().optional(),
        copyTags: z.boolean().optional(),
      })
      .optional(),
  }),
  steps: z.array(z.string()).optional(),
  planned: made.optional(),
  result: made.optional(),
  error: z.string().optional(),
  errorType: z.string().optional(),
  requestedBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});

/**
 * A manual snapshot, deletion or restore. Ids sort by creation time, so a tenant's newest come
 * first by querying backwards; a guest's own through `byResource`.
 */
export const operationEntity = defineEntity({
  name: 'operation',
  schema: operationSchema,
  ...byIdInTenant('OPERATION'),
  indexes: {
    byResource: {
      partition: (guest: { tenantId: string; guestId: string }) =>
        `${tenantPartition(guest.tenantId)}#GUEST#${guest.guestId}#OPERATIONS`,
      sort: (operation) => operation.id,
    },
  },
  ttl: (operation, lifetimes) => daysAfter(operation.createdAt, lifetimes.historyDays),
});
