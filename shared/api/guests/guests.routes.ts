import { createRoute, z } from '@hono/zod-openapi';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import { commonErrors, json, PageQuery, pageOf } from '../schemas.ts';

export const GuestSchema = z
  .object({
    id: z
      .string()
      .openapi({ description: '<clusterId>.<vmid>', example: 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.100' }),
    clusterId: z.string(),
    vmid: z.number().int(),
    type: z.enum(['qemu', 'lxc']),
    node: z.string(),
    name: z.string(),
    status: z.string().openapi({ description: 'running, stopped, or unknown while its node is offline' }),
    template: z.boolean(),
    tags: z.array(z.string()),
    pool: z.string().optional(),
    lock: z.string().optional(),
    lockSince: z
      .string()
      .optional()
      .openapi({ description: 'Since when the lock has been seen; one older than 2 hours is stuck' }),
    gone: z.boolean().openapi({ description: 'No longer on the cluster (kept for its history)' }),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    goneAt: z.string().optional(),
  })
  .openapi('Guest');

export const listGuestsRoute = createRoute({
  method: 'get',
  path: '/v1/guests',
  tags: ['Guests'],
  summary: 'The guest inventory, from the last sync of each cluster',
  request: {
    query: PageQuery.extend({
      cluster: z.string().regex(ID_PATTERN, 'must be a cluster id').optional(),
      node: z.string().max(63).optional(),
      type: z.enum(['qemu', 'lxc']).optional(),
      tag: z.string().max(128).optional(),
      pool: z.string().max(64).optional(),
      status: z.string().max(20).optional(),
      includeGone: z
        .enum(['true', 'false'])
        .optional()
        .openapi({ description: 'Also list guests that disappeared' }),
    }),
  },
  responses: {
    200: { description: 'One page of guests', content: json(pageOf(GuestSchema, 'GuestPage')) },
    ...commonErrors,
  },
});

export const getGuestRoute = createRoute({
  method: 'get',
  path: '/v1/guests/{guestId}',
  tags: ['Guests'],
  summary: 'One guest',
  request: {
    params: z.object({
      guestId: z
        .string()
        .refine((value) => parseGuestId(value) !== undefined, {
          message: 'must be a guest id as returned by the API',
          params: { rule: 'guest-id' },
        })
        .openapi({ param: { name: 'guestId', in: 'path' } }),
    }),
  },
  responses: { 200: { description: 'The guest', content: json(GuestSchema) }, ...commonErrors },
});

export const SnapshotRecordSchema = z
  .object({
    guestId: z.string(),
    name: z.string(),
    policyId: z.string().optional(),
    runId: z.string().optional(),
    scheduledTime: z.string().optional(),
    status: z.enum(['created', 'failed', 'missing', 'deleted']).openapi({
      description:
        '`missing`: gone from Proxmox without the service deleting it; `deleted`: deleted by retention (the record stays 90 days)',
    }),
    manual: z.boolean().optional(),
    adopted: z.boolean().optional(),
    missingSince: z.string().optional(),
    description: z.string().optional(),
    protected: z.boolean().optional(),
    vmstate: z.boolean(),
    createdAt: z.string(),
    error: z.string().optional(),
    deletedAt: z.string().optional(),
    deletedBy: z.string().optional().openapi({ description: '`run <runId>` or `sweep <date>`' }),
    deleteReason: z.enum(['pruned', 'max-age']).optional(),
    pruneError: z.string().optional().openapi({
      description: "Proxmox's text for the last failed deletion; tried again by the next run or sweep",
    }),
    pruneFailedAt: z.string().optional(),
    pruneAttempts: z.number().int().optional(),
  })
  .openapi('SnapshotRecord');

export const listGuestSnapshotsRoute = createRoute({
  method: 'get',
  path: '/v1/guests/{guestId}/snapshots',
  tags: ['Guests'],
  summary: 'The snapshots the service took (or tried to take) of a guest, newest first',
  request: { params: getGuestRoute.request.params },
  responses: {
    200: {
      description: 'Snapshot records',
      content: json(z.object({ items: z.array(SnapshotRecordSchema) }).openapi('SnapshotRecordList')),
    },
    ...commonErrors,
  },
});
