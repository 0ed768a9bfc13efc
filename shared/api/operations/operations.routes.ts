import { createRoute, z } from '@hono/zod-openapi';
import { OPERATION_KINDS, OPERATION_STATUSES } from '#shared/domain/operation.ts';
import {
  GuestReference,
  GuestReferenceParam,
  proxmoxErrors,
  SnapshotRecordSchema,
} from '../guests/guests.routes.ts';
import {
  commonErrors,
  IdempotencyHeader,
  idParam,
  json,
  PageQuery,
  pageOf,
  problemContent,
  requires,
  safeText,
} from '../schemas.ts';

export const OperationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(OPERATION_KINDS),
    guestId: z.string(),
    snapshotName: z
      .string()
      .openapi({ description: 'The snapshot; for a restore from a backup, the archive’s file name' }),
    status: z.enum(OPERATION_STATUSES),
    request: z.record(z.string(), z.unknown()),
    steps: z.array(z.string()).optional().openapi({ description: 'The Proxmox steps planned, in order' }),
    backupId: z.string().optional().openapi({ description: 'A restore from a backup: the backup' }),
    planned: z
      .object({
        newGuestId: z.string().optional(),
        safetySnapshot: z.string().optional(),
        safetyBackupStorage: z.string().optional(),
      })
      .optional()
      .openapi({
        description: 'What the plan will make: the clone\u2019s guest id, the safety snapshot\u2019s name',
      }),
    result: z
      .object({
        newGuestId: z.string().optional(),
        safetySnapshot: z.string().optional(),
        safetyBackupId: z.string().optional(),
      })
      .optional()
      .openapi({
        description:
          'What exists once it ended: the new guest (already in the inventory), the safety snapshot (already recorded, also when a later step failed); absent when it was not made',
      }),
    error: z.string().optional().openapi({ description: 'Proxmox\u2019s own text when it failed' }),
    errorType: z.string().optional(),
    requestedBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  })
  .openapi('Operation');

/** Where a restore puts a new guest: its vmid (default: the next free one), name, node, storage. */
export const newGuestFields = {
  vmid: z.number().int().min(100).max(999_999_999).optional(),
  name: z
    .string()
    .max(128)
    .regex(/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/, 'must be a DNS name')
    .optional(),
  node: z.string().max(63).optional(),
  storage: z.string().max(64).optional(),
};

const GuestParam = GuestReferenceParam;
const SnapshotParam = z
  .string()
  .max(40)
  .openapi({ param: { name: 'snapshotId', in: 'path' }, description: 'The snapshot\u2019s name' });
const accepted = {
  202: { description: 'Accepted; poll the operation', content: json(OperationSchema) },
  ...commonErrors,
  ...proxmoxErrors,
};
const conflict = (description: string) => ({ 409: { description, content: problemContent } });

export const createSnapshotRoute = createRoute({
  method: 'post',
  path: '/v1/guests/{guestId}/snapshots',
  tags: ['Snapshots'],
  summary: 'Take a snapshot now (operator); never pruned by a policy',
  ...requires('operator', 'snapshot.create'),
  request: {
    params: z.object({ guestId: GuestParam }),
    headers: IdempotencyHeader,
    body: {
      content: json(
        z
          .strictObject({
            name: z.string().optional().openapi({
              description:
                'Default `manual-<yyyymmdd>-<hhmmss>-<4 letters or digits>` (UTC), unique per request',
            }),
            description: safeText(z.string().max(8192)).optional(),
            includeMemory: z.boolean().default(false).openapi({
              description:
                'Save RAM state (QEMU VMs only; refused for containers, which Proxmox snapshots without memory). A stopped VM has none to save: the record says what Proxmox stored (`vmstate`)',
            }),
          })
          .openapi('SnapshotRequest'),
      ),
      required: false,
    },
  },
  responses: { ...accepted, ...conflict('The guest already has a snapshot of that name') },
});

export const deleteSnapshotRoute = createRoute({
  method: 'delete',
  path: '/v1/guests/{guestId}/snapshots/{snapshotId}',
  tags: ['Snapshots'],
  summary: 'Delete a snapshot on Proxmox (operator)',
  ...requires('operator', 'snapshot.delete'),
  request: { params: z.object({ guestId: GuestParam, snapshotId: SnapshotParam }) },
  responses: accepted,
});

export const restoreSnapshotRoute = createRoute({
  method: 'post',
  path: '/v1/guests/{guestId}/snapshots/{snapshotId}/restore',
  tags: ['Snapshots'],
  summary: 'Roll the guest back to the snapshot, or clone the snapshot into a new guest (operator)',
  ...requires('operator', 'snapshot.restore'),
  request: {
    params: z.object({ guestId: GuestParam, snapshotId: SnapshotParam }),
    headers: IdempotencyHeader,
    body: {
      content: json(
        z
          .strictObject({
            mode: z.enum(['in_place', 'new_guest']),
            safetySnapshot: z
              .boolean()
              .default(true)
              .openapi({ description: 'in_place: take a safety snapshot first' }),
            start: z
              .boolean()
              .optional()
              .openapi({ description: 'Start the guest afterwards (in_place default: if it was running)' }),
            newGuest: z
              .strictObject({
                ...newGuestFields,
                pool: z.string().max(64).optional(),
                copyTags: z.boolean().optional().openapi({
                  description:
                    'Keep the tags Proxmox copies from the snapshot (default false: the service removes them, so the copy joins no tag-selected policy; it joins no pool unless `pool` is given, but policies selecting by node or `all` include it)',
                }),
              })
              .optional(),
          })
          .openapi('RestoreRequest'),
      ),
      required: true,
    },
  },
  responses: { ...accepted, ...conflict('The snapshot is still being taken or deleted') },
});

export const listOperationsRoute = createRoute({
  method: 'get',
  path: '/v1/operations',
  tags: ['Operations'],
  summary: 'Guest operations (manual snapshots, deletions, restores), newest first',
  request: {
    query: PageQuery.extend({
      guest: GuestReference.optional().openapi({
        description: 'Only this guest\u2019s (id or `<cluster>/<vmid>`)',
      }),
      kind: z.enum(OPERATION_KINDS).optional(),
      status: z.enum(OPERATION_STATUSES).optional(),
    }),
  },
  responses: {
    200: { description: 'One page of operations', content: json(pageOf(OperationSchema, 'OperationPage')) },
    ...commonErrors,
  },
});

export const getOperationRoute = createRoute({
  method: 'get',
  path: '/v1/operations/{operationId}',
  tags: ['Operations'],
  summary: 'Status of any 202 work: pending, running, succeeded, failed',
  request: { params: z.object({ operationId: idParam('operationId', 'op') }) },
  responses: { 200: { description: 'The operation', content: json(OperationSchema) }, ...commonErrors },
});

export const updateSnapshotRoute = createRoute({
  method: 'patch',
  path: '/v1/guests/{guestId}/snapshots/{snapshotId}',
  tags: ['Snapshots'],
  summary:
    'Change a recorded snapshot\u2019s description (also on Proxmox) or pin it against pruning (operator)',
  ...requires('operator', 'snapshot.update'),
  request: {
    params: z.object({ guestId: GuestParam, snapshotId: SnapshotParam }),
    body: {
      content: json(
        z
          .strictObject({
            description: safeText(z.string().max(8192)).optional(),
            protected: z
              .boolean()
              .optional()
              .openapi({ description: 'Pinned snapshots are never pruned by retention' }),
          })
          .openapi('SnapshotPatch'),
      ),
      required: true,
    },
  },
  responses: {
    200: { description: 'The snapshot record', content: json(SnapshotRecordSchema) },
    ...commonErrors,
    409: { description: 'Proxmox refused the change: the guest is locked', content: problemContent },
    422: { description: 'Proxmox refused the description', content: problemContent },
    502: { description: 'Proxmox could not be reached or failed', content: problemContent },
  },
});

export const getSnapshotRoute = createRoute({
  method: 'get',
  path: '/v1/guests/{guestId}/snapshots/{snapshotId}',
  tags: ['Snapshots'],
  summary: 'One recorded snapshot of a guest',
  request: { params: z.object({ guestId: GuestParam, snapshotId: SnapshotParam }) },
  responses: {
    200: { description: 'The snapshot record', content: json(SnapshotRecordSchema) },
    ...commonErrors,
  },
});
