import { z } from 'zod';
import {
  SNAPSHOT_DELETE_REASONS,
  SNAPSHOT_RECORD_STATUSES,
  type SnapshotRecord,
} from '#shared/domain/snapshot-record.ts';
import { defineEntity, tenantPartition } from '../entity.ts';

const snapshotSchema: z.ZodType<SnapshotRecord> = z.object({
  tenantId: z.string(),
  guestId: z.string(),
  name: z.string(),
  policyId: z.string().optional(),
  runId: z.string().optional(),
  scheduledTime: z.string().optional(),
  status: z.enum(SNAPSHOT_RECORD_STATUSES),
  manual: z.boolean().optional(),
  description: z.string().optional(),
  protected: z.boolean().optional(),
  adopted: z.boolean().optional(),
  missingSince: z.string().optional(),
  vmstate: z.boolean(),
  vmstateSize: z.number().optional(),
  vmstateStorage: z.string().optional(),
  createdAt: z.string(),
  error: z.string().optional(),
  deletedAt: z.string().optional(),
  deletedBy: z.string().optional(),
  deleteReason: z.enum(SNAPSHOT_DELETE_REASONS).optional(),
  pruneError: z.string().optional(),
  pruneFailedAt: z.string().optional(),
  pruneAttempts: z.number().optional(),
});

/** A guest's own partition: its snapshot records, so a run's records spread over its guests. */
const guestPartition = (guest: { tenantId: string; guestId: string }) =>
  `${tenantPartition(guest.tenantId)}#GUEST#${guest.guestId}`;

/** What the service took (or tried to take) for a guest; a `deleted` one carries a TTL its writer sets. */
export const snapshotEntity = defineEntity({
  name: 'snapshot',
  schema: snapshotSchema,
  key: (record: { tenantId: string; guestId: string; name: string }) => ({
    pk: guestPartition(record),
    sk: `SNAPSHOT#${record.name}`,
  }),
  collection: (guest: { tenantId: string; guestId: string }) => ({
    pk: guestPartition(guest),
    skPrefix: 'SNAPSHOT#',
  }),
});
