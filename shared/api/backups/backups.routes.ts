import { createRoute, z } from '@hono/zod-openapi';
import { BACKUP_COMPRESSIONS } from '#shared/domain/backup/archive-name.ts';
import {
  BACKUP_DELETE_REASONS,
  BACKUP_ORIGINS,
  BACKUP_STATUSES,
} from '#shared/domain/backup/backup-record.ts';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import { GuestReference, GuestReferenceParam, proxmoxErrors } from '../guests/guests.routes.ts';
import { newGuestFields, OperationSchema } from '../operations/operations.routes.ts';
import {
  commonErrors,
  IdempotencyHeader,
  json,
  PageQuery,
  pageOf,
  problemContent,
  requires,
  safeText,
} from '../schemas.ts';

const BackupSchema = z
  .object({
    id: z.string().openapi({ description: 'Names the guest and the archive; stable for the archive' }),
    guestId: z.string(),
    clusterId: z.string(),
    node: z.string().openapi({ description: 'The node the archive was written from (or found on)' }),
    guestType: z.enum(GUEST_TYPES),
    vmid: z.number().int(),
    storage: z.string(),
    volid: z
      .string()
      .optional()
      .openapi({ description: 'Proxmox\u2019s volume id; absent for a failed backup' }),
    format: z.string().optional().openapi({ example: 'vma.zst' }),
    compression: z.enum(BACKUP_COMPRESSIONS).optional(),
    size: z.number().int().optional().openapi({ description: 'Bytes' }),
    createdAt: z.string().openapi({ description: 'When the archive was written (its ctime)' }),
    notes: z.string().optional(),
    protected: z.boolean().optional().openapi({ description: 'Proxmox refuses to delete it; never pruned' }),
    status: z.enum(BACKUP_STATUSES),
    origin: z.enum(BACKUP_ORIGINS).openapi({
      description:
        '`policy`/`manual`: made by the service; `external`: found on a storage, made by someone else (never pruned, restorable)',
    }),
    policyId: z.string().optional(),
    runId: z.string().optional(),
    scheduledTime: z.string().optional(),
    upid: z.string().optional(),
    error: z.string().optional().openapi({ description: 'Proxmox\u2019s text when the backup failed' }),
    logTail: z.array(z.string()).optional().openapi({ description: 'The failed task\u2019s last log lines' }),
    missingSince: z.string().optional(),
    deletedAt: z.string().optional(),
    deletedBy: z.string().optional(),
    deleteReason: z.enum(BACKUP_DELETE_REASONS).optional(),
    pruneError: z.string().optional(),
    pruneAttempts: z.number().int().optional(),
  })
  .openapi('Backup');

const BackupIdParam = z
  .string()
  .max(1024)
  .regex(/^bk_[A-Za-z0-9_-]+$/, 'must be a backup id as returned by the API')
  .openapi({ param: { name: 'backupId', in: 'path' } });

const isoTime = z.iso.datetime({ offset: true });

const BackupPage = pageOf(BackupSchema, 'BackupPage');

export const listBackupsRoute = createRoute({
  method: 'get',
  path: '/v1/backups',
  tags: ['Backups'],
  summary: 'The backup catalog, newest first',
  request: {
    query: PageQuery.extend({
      guest: GuestReference.optional().openapi({
        description: 'Only this guest\u2019s (id or `<cluster>/<vmid>`)',
      }),
      policy: z.string().max(64).optional(),
      storage: z.string().max(64).optional(),
      status: z.enum(BACKUP_STATUSES).optional(),
      from: isoTime.optional().openapi({ description: 'Written at or after (ISO time)' }),
      to: isoTime.optional().openapi({ description: 'Written at or before (ISO time)' }),
    }),
  },
  responses: { 200: { description: 'One page of backups', content: json(BackupPage) }, ...commonErrors },
});

export const listGuestBackupsRoute = createRoute({
  method: 'get',
  path: '/v1/guests/{guestId}/backups',
  tags: ['Backups'],
  summary: 'A guest\u2019s backups, newest first',
  request: { params: z.object({ guestId: GuestReferenceParam }), query: PageQuery },
  responses: { 200: { description: 'One page of backups', content: json(BackupPage) }, ...commonErrors },
});

export const getBackupRoute = createRoute({
  method: 'get',
  path: '/v1/backups/{backupId}',
  tags: ['Backups'],
  summary:
    'One backup: archive, size, format, notes, protection, and the task\u2019s log tail when it failed',
  request: { params: z.object({ backupId: BackupIdParam }) },
  responses: { 200: { description: 'The backup', content: json(BackupSchema) }, ...commonErrors },
});

const refused = {
  409: {
    description: 'The archive is not there any more, or Proxmox refused (its text)',
    content: problemContent,
  },
} as const;

export const updateBackupRoute = createRoute({
  method: 'patch',
  path: '/v1/backups/{backupId}',
  tags: ['Backups'],
  summary: 'Change a backup\u2019s notes or protection, on Proxmox and in the catalog (operator)',
  ...requires('operator', 'backup.update'),
  request: {
    params: z.object({ backupId: BackupIdParam }),
    body: {
      content: json(
        z
          .strictObject({
            notes: safeText(z.string().max(8192)).optional(),
            protected: z
              .boolean()
              .optional()
              .openapi({ description: 'Proxmox refuses to delete a protected archive; retention skips it' }),
          })
          .openapi('BackupPatch'),
      ),
      required: true,
    },
  },
  responses: {
    200: { description: 'The backup', content: json(BackupSchema) },
    ...commonErrors,
    ...proxmoxErrors,
    ...refused,
  },
});

export const deleteBackupRoute = createRoute({
  method: 'delete',
  path: '/v1/backups/{backupId}',
  tags: ['Backups'],
  summary: 'Delete the archive on Proxmox; the record stays as `deleted` (operator)',
  ...requires('operator', 'backup.delete'),
  request: { params: z.object({ backupId: BackupIdParam }) },
  responses: {
    200: { description: 'The backup, now `deleted`', content: json(BackupSchema) },
    ...commonErrors,
    ...proxmoxErrors,
    ...refused,
  },
});

export const restoreBackupRoute = createRoute({
  method: 'post',
  path: '/v1/backups/{backupId}/restore',
  tags: ['Backups'],
  summary: 'Restore a backup to a new guest, or over the original guest with `overwrite: true` (operator)',
  ...requires('operator', 'backup.restore'),
  request: {
    params: z.object({ backupId: BackupIdParam }),
    headers: IdempotencyHeader,
    body: {
      content: json(
        z
          .strictObject({
            overwrite: z.boolean().default(false).openapi({
              description:
                'Restore over the original guest (stopped first). Without it, the backup becomes a new guest',
            }),
            safetyBackup: z.boolean().default(true).openapi({
              description:
                'overwrite: back the guest up to the archive\u2019s storage first (a snapshot would not survive the restore)',
            }),
            start: z
              .boolean()
              .optional()
              .openapi({ description: 'Start the guest afterwards (overwrite default: if it was running)' }),
            newGuest: z
              .strictObject({
                ...newGuestFields,
                copyTags: z.boolean().optional().openapi({
                  description:
                    'Keep the tags the archive\u2019s config brings (default false: removed, so the copy joins no tag-selected policy)',
                }),
              })
              .optional()
              .openapi({
                description:
                  'The new guest: `vmid` (default: the next free one), `name` (default: the archive\u2019s), `node` (default: the archive\u2019s), `storage` for its disks',
              }),
          })
          .openapi('BackupRestoreRequest'),
      ),
      required: false,
    },
  },
  responses: {
    202: { description: 'Accepted; poll the operation', content: json(OperationSchema) },
    ...commonErrors,
    ...proxmoxErrors,
    409: {
      description: 'The archive is missing or deleted, or the original guest is gone',
      content: problemContent,
    },
  },
});
