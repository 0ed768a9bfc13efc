import { z } from 'zod';
import { BACKUP_COMPRESSIONS } from '#shared/domain/backup/archive-name.ts';
import {
  BACKUP_DELETE_REASONS,
  BACKUP_ORIGINS,
  BACKUP_STATUSES,
  type BackupRecord,
} from '#shared/domain/backup/backup-record.ts';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import { daysAfter, defineEntity, tenantPartition } from '../entity.ts';

const backupSchema: z.ZodType<BackupRecord> = z.object({
  tenantId: z.string(),
  id: z.string(),
  guestId: z.string(),
  clusterId: z.string(),
  node: z.string(),
  guestType: z.enum(GUEST_TYPES),
  vmid: z.number(),
  storage: z.string(),
  volid: z.string().optional(),
  format: z.string().optional(),
  compression: z.enum(BACKUP_COMPRESSIONS).optional(),
  size: z.number().optional(),
  createdAt: z.string(),
  notes: z.string().optional(),
  protected: z.boolean().optional(),
  status: z.enum(BACKUP_STATUSES),
  origin: z.enum(BACKUP_ORIGINS),
  policyId: z.string().optional(),
  runId: z.string().optional(),
  scheduledTime: z.string().optional(),
  upid: z.string().optional(),
  error: z.string().optional(),
  logTail: z.array(z.string()).optional(),
  missingSince: z.string().optional(),
  deletedAt: z.string().optional(),
  deletedBy: z.string().optional(),
  deleteReason: z.enum(BACKUP_DELETE_REASONS).optional(),
  pruneError: z.string().optional(),
  pruneAttempts: z.number().optional(),
});

/** The same guest partition as its snapshot records: a guest's recovery points read in one Query. */
const guestPartition = (guest: { tenantId: string; guestId: string }) =>
  `${tenantPartition(guest.tenantId)}#GUEST#${guest.guestId}`;

/**
 * One vzdump archive in the catalog. Keyed in its guest's partition by the backup id (which
 * names the volume), listed for the whole tenant by time through `byResource`. A `deleted` one
 * carries a TTL its writer sets.
 */
export const backupEntity = defineEntity({
  name: 'backup',
  schema: backupSchema,
  key: (backup: { tenantId: string; guestId: string; id: string }) => ({
    pk: guestPartition(backup),
    sk: `BACKUP#${backup.id}`,
  }),
  collection: (guest: { tenantId: string; guestId: string }) => ({
    pk: guestPartition(guest),
    skPrefix: 'BACKUP#',
  }),
  // A deleted archive's record is history: kept as long as runs and the audit trail.
  ttl: (backup, lifetimes) =>
    backup.status === 'deleted' && backup.deletedAt
      ? daysAfter(backup.deletedAt, lifetimes.historyDays)
      : undefined,
  indexes: {
    byResource: {
      partition: (backups: { tenantId: string }) => `${tenantPartition(backups.tenantId)}#BACKUPS`,
      sort: (backup) => `${backup.createdAt}#${backup.id}`,
    },
  },
});
