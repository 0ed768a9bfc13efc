import { createRoute, z } from '@hono/zod-openapi';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import { SnapshotRecordSchema } from '../guests/guests.routes.ts';
import { commonErrors, IdempotencyHeader, idParam, json } from '../schemas.ts';

const OperationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['snapshot', 'delete-snapshot', 'restore-in-place', 'restore-new-guest']),
    guestId: z.string(),
    snapshotName: z.string(),
    status: z.enum(['pending', 'running', 'succeeded', 'failed']),
    request: z.record(z.string(), z.unknown()),
    steps: z.array(z.string()).optional().openapi({ description: 'The Proxmox steps planned, in order' }),
    result: z.object({ newGuestId: z.string().optional(), safetySnapshot: z.string().optional() }).optional(),
    error: z.string().optional().openapi({ description: 'Proxmox\u2019s own text when it failed' }),
    errorType: z.string().optional(),
    requestedBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  })
  .openapi('Operation');

const GuestParam = z
  .string()
  .refine((value) => parseGuestId(value) !== undefined, {
    message: 'must be a guest id as returned by the API',
    params: { rule: 'guest-id' },
  })
  .openapi({ param: { name: 'guestId', in: 'path' } });
const SnapshotParam = z
  .string()
  .max(40)
  .openapi({ param: { name: 'snapshotId', in: 'path' }, description: 'The snapshot\u2019s name' });
const accepted = {
  202: { description: 'Accepted; poll the operation', content: json(OperationSchema) },
  ...commonErrors,
};

export const createSnapshotRoute = createRoute({
  method: 'post',
  path: '/v1/guests/{guestId}/snapshots',
  tags: ['Snapshots'],
  summary: 'Take a snapshot now (operator); never pruned by a policy',
  request: {
    params: z.object({ guestId: GuestParam }),
    headers: IdempotencyHeader,
    body: {
      content: json(
        z
          .strictObject({
            name: z.string().optional().openapi({ description: 'Default manual-<yyyymmdd>-<hhmmss>' }),
            description: z.string().max(8192).optional(),
            includeMemory: z
              .boolean()
              .default(false)
              .openapi({ description: 'Save RAM state (QEMU VMs only)' }),
          })
          .openapi('SnapshotRequest'),
      ),
      required: false,
    },
  },
  responses: accepted,
});

export const deleteSnapshotRoute = createRoute({
  method: 'delete',
  path: '/v1/guests/{guestId}/snapshots/{snapshotId}',
  tags: ['Snapshots'],
  summary: 'Delete a snapshot on Proxmox (operator)',
  request: { params: z.object({ guestId: GuestParam, snapshotId: SnapshotParam }) },
  responses: accepted,
});

export const restoreSnapshotRoute = createRoute({
  method: 'post',
  path: '/v1/guests/{guestId}/snapshots/{snapshotId}/restore',
  tags: ['Snapshots'],
  summary: 'Roll the guest back to the snapshot, or clone the snapshot into a new guest (operator)',
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
                vmid: z.number().int().min(100).max(999_999_999).optional(),
                name: z
                  .string()
                  .max(128)
                  .regex(/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/, 'must be a DNS name')
                  .optional(),
                node: z.string().max(63).optional(),
                storage: z.string().max(64).optional(),
                pool: z.string().max(64).optional(),
              })
              .optional(),
          })
          .openapi('RestoreRequest'),
      ),
      required: true,
    },
  },
  responses: accepted,
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
  request: {
    params: z.object({ guestId: GuestParam, snapshotId: SnapshotParam }),
    body: {
      content: json(
        z
          .strictObject({
            description: z.string().max(8192).optional(),
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
