import { createRoute, z } from '@hono/zod-openapi';
import { commonErrors, idParam, json } from '../schemas.ts';

const tags = ['Storages'];
const ClusterParams = z.object({ clusterId: idParam('clusterId', 'cl') });
const storageId = z
  .string()
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]$/, 'must be a Proxmox storage id')
  .openapi({ param: { name: 'storage', in: 'path' }, example: 'backup-nfs' });

const figures = {
  total: z.number().openapi({ description: 'Bytes, as Proxmox reports them (0 while inactive)' }),
  used: z.number(),
  avail: z.number(),
  active: z.boolean().openapi({ description: 'false while Proxmox cannot reach the storage' }),
};

const StorageSchema = z
  .object({
    clusterId: z.string(),
    storage: z.string(),
    node: z.string().openapi({ description: 'The node, or `*` for a shared storage (listed once)' }),
    nodes: z.array(z.string()).openapi({ description: 'The nodes that list the storage' }),
    type: z.string().openapi({ example: 'nfs' }),
    content: z.array(z.string()).openapi({ example: ['backup'] }),
    shared: z.boolean(),
    enabled: z.boolean(),
    ...figures,
    usedPercent: z.number().optional(),
    syncedAt: z.string().openapi({ description: 'The inventory sync that saw these figures' }),
    serviceUsage: z
      .object({
        backupBytes: z.number(),
        backups: z.number().int(),
        vmstateBytes: z.number(),
        vmstates: z.number().int(),
      })
      .openapi({
        description:
          'The service\u2019s own archives on the storage (never external ones) and the RAM state volumes of its snapshots there',
      }),
    guard: z
      .object({ thresholdPercent: z.number(), since: z.string(), runId: z.string() })
      .optional()
      .openapi({ description: 'Open storage-guard episode: `storage.threshold` was published' }),
  })
  .openapi('Storage');

const TrendPointSchema = z
  .object({ day: z.string().openapi({ example: '2026-11-30' }), node: z.string(), ...figures })
  .openapi('StorageTrendPoint');

export const listStoragesRoute = createRoute({
  method: 'get',
  path: '/v1/clusters/{clusterId}/storages',
  tags,
  summary:
    'A cluster\u2019s storages per node, as the last inventory sync saw them, with the service\u2019s usage',
  request: { params: ClusterParams },
  responses: {
    200: { description: 'The storages', content: json(z.object({ items: z.array(StorageSchema) })) },
    ...commonErrors,
  },
});

export const storageTrendRoute = createRoute({
  method: 'get',
  path: '/v1/clusters/{clusterId}/storages/{storage}/trend',
  tags,
  summary: 'A storage\u2019s daily figures (the day\u2019s last sync) over up to 90 days, oldest first',
  request: {
    params: ClusterParams.extend({ storage: storageId }),
    query: z.object({
      days: z.coerce.number().int().min(1).max(90).default(90).openapi({ description: 'Days back (1-90)' }),
    }),
  },
  responses: {
    200: {
      description: 'The points, per day and node (`*` for a shared storage)',
      content: json(z.object({ storage: z.string(), points: z.array(TrendPointSchema) })),
    },
    ...commonErrors,
  },
});
