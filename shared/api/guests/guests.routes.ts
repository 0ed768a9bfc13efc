import { createRoute, z } from '@hono/zod-openapi';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import { GUEST_REFERENCE_HINT, parseGuestReference } from '#shared/domain/guest-id.ts';
import { SNAPSHOT_ORIGINS } from '#shared/domain/guest-snapshots.ts';
import { SNAPSHOT_DELETE_REASONS, SNAPSHOT_RECORD_STATUSES } from '#shared/domain/snapshot-record.ts';
import { commonErrors, json, PageQuery, pageOf, problemContent } from '../schemas.ts';

/** A guest as a path segment: its id, or `<cluster name>/<vmid>` URL-encoded (`lab%2F101`). */
export const GuestReferenceParam = z
  .string()
  .refine((value) => parseGuestReference(value) !== undefined, {
    message: `must be ${GUEST_REFERENCE_HINT}`,
    params: { rule: 'guest-id' },
  })
  .openapi({
    param: { name: 'guestId', in: 'path' },
    description: `The guest: ${GUEST_REFERENCE_HINT}, e.g. \`lab%2F101\``,
    example: 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.100',
  });

/** A guest named in a query or a body: its id or `<cluster name>/<vmid>`. */
export const GuestReference = z
  .string()
  .max(120)
  .refine((value) => parseGuestReference(value) !== undefined, {
    message: `must be ${GUEST_REFERENCE_HINT}`,
    params: { rule: 'guest-id' },
  });

/** Routes that ask Proxmox before answering: when it cannot, the request changes nothing. */
export const proxmoxErrors = {
  422: {
    description: 'Proxmox refused the cluster\u2019s token or its privileges (`proxmox-*` problem types)',
    content: problemContent,
  },
  502: { description: 'Proxmox could not be reached or failed', content: problemContent },
} as const;

export const GuestSchema = z
  .object({
    id: z
      .string()
      .openapi({ description: '<clusterId>.<vmid>', example: 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.100' }),
    clusterId: z.string(),
    vmid: z.number().int(),
    type: z.enum(GUEST_TYPES),
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
      cluster: z
        .string()
        .min(1)
        .max(100)
        .optional()
        .openapi({ description: 'The cluster\u2019s id or name (e.g. `lab`)' }),
      node: z.string().max(63).optional(),
      type: z.enum(GUEST_TYPES).optional(),
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
  request: { params: z.object({ guestId: GuestReferenceParam }) },
  responses: { 200: { description: 'The guest', content: json(GuestSchema) }, ...commonErrors },
});

export const SnapshotRecordSchema = z
  .object({
    guestId: z.string(),
    name: z.string(),
    policyId: z.string().optional(),
    runId: z.string().optional(),
    scheduledTime: z.string().optional(),
    status: z.enum(SNAPSHOT_RECORD_STATUSES).openapi({
      description:
        '`missing`: gone from Proxmox without the service deleting it; `deleted`: deleted by retention (the record stays 90 days)',
    }),
    manual: z.boolean().optional(),
    adopted: z.boolean().optional(),
    missingSince: z.string().optional(),
    description: z.string().optional(),
    protected: z.boolean().optional(),
    vmstate: z.boolean(),
    vmstateSize: z.number().optional().openapi({
      description: 'Bytes of the RAM state volume as its storage lists it (recorded by the inventory sync)',
    }),
    vmstateStorage: z.string().optional(),
    createdAt: z.string(),
    error: z.string().optional(),
    deletedAt: z.string().optional(),
    deletedBy: z.string().optional().openapi({ description: '`run <runId>` or `sweep <date>`' }),
    deleteReason: z.enum(SNAPSHOT_DELETE_REASONS).optional(),
    pruneError: z.string().optional().openapi({
      description: "Proxmox's text for the last failed deletion; tried again by the next run or sweep",
    }),
    pruneFailedAt: z.string().optional(),
    pruneAttempts: z.number().int().optional(),
  })
  .openapi('SnapshotRecord');

const GuestSnapshotSchema = SnapshotRecordSchema.extend({
  origin: z.enum(SNAPSHOT_ORIGINS).openapi({
    description:
      '`policy`: taken by a policy run; `manual`: taken through the API (also safety snapshots before a restore); `external`: made outside the service (e.g. in Proxmox), never touched by it',
  }),
  onProxmox: z.boolean().optional().openapi({
    description: 'On Proxmox now; absent when Proxmox could not be read (see `proxmoxError`)',
  }),
  parent: z.string().optional(),
  snapstate: z
    .string()
    .optional()
    .openapi({ description: 'Proxmox\u2019s state while the snapshot is being taken or deleted' }),
}).openapi('GuestSnapshot');

export const listGuestSnapshotsRoute = createRoute({
  method: 'get',
  path: '/v1/guests/{guestId}/snapshots',
  tags: ['Guests'],
  summary:
    'Every snapshot of a guest, newest first: on Proxmox (the service\u2019s and external ones) and recorded (also failed, missing or deleted ones)',
  request: { params: getGuestRoute.request.params, query: PageQuery },
  responses: {
    200: {
      description: 'One page of snapshots',
      content: json(
        z
          .object({
            items: z.array(GuestSnapshotSchema),
            nextCursor: z.string().optional(),
            proxmoxError: z.string().optional().openapi({
              description: 'Proxmox could not be read: only the records are listed, and why',
            }),
          })
          .openapi('GuestSnapshotPage'),
      ),
    },
    ...commonErrors,
  },
});
