import { createRoute, z } from '@hono/zod-openapi';
import {
  commonErrors,
  etagHeader,
  IdempotencyHeader,
  IfMatchHeader,
  idParam,
  json,
  PageQuery,
  pageOf,
  problemContent,
  requires,
  staleVersionError,
} from '../schemas.ts';
import { ClusterInputSchema, ClusterPatchSchema, ClusterSchema } from './clusters.schemas.ts';

const tags = ['Clusters'];
const ClusterParams = z.object({ clusterId: idParam('clusterId', 'cl') });

export const createClusterRoute = createRoute({
  method: 'post',
  path: '/v1/clusters',
  tags,
  summary: 'Register a Proxmox VE cluster (admin)',
  ...requires('admin', 'cluster.create'),
  request: { headers: IdempotencyHeader, body: { content: json(ClusterInputSchema), required: true } },
  responses: {
    201: { description: 'Registered', content: json(ClusterSchema), headers: etagHeader('cluster') },
    ...commonErrors,
    409: { description: 'A cluster with this name exists', content: problemContent },
    422: {
      description: 'The cluster refused the token, lacks privileges, or its certificate does not match',
      content: problemContent,
    },
    502: { description: 'The cluster could not be reached', content: problemContent },
  },
});

export const listClustersRoute = createRoute({
  method: 'get',
  path: '/v1/clusters',
  tags,
  summary: 'List clusters',
  request: { query: PageQuery },
  responses: {
    200: { description: 'One page of clusters', content: json(pageOf(ClusterSchema, 'ClusterPage')) },
    ...commonErrors,
  },
});

export const getClusterRoute = createRoute({
  method: 'get',
  path: '/v1/clusters/{clusterId}',
  tags,
  summary: 'Get a cluster',
  request: { params: ClusterParams },
  responses: {
    200: { description: 'The cluster', content: json(ClusterSchema), headers: etagHeader('cluster') },
    ...commonErrors,
  },
});

export const updateClusterRoute = createRoute({
  method: 'patch',
  path: '/v1/clusters/{clusterId}',
  tags,
  summary: 'Change a cluster; a new tokenSecret replaces the stored one (admin)',
  ...requires('admin', 'cluster.update'),
  request: {
    params: ClusterParams,
    headers: IfMatchHeader,
    body: { content: json(ClusterPatchSchema), required: true },
  },
  responses: {
    200: { description: 'The changed cluster', content: json(ClusterSchema), headers: etagHeader('cluster') },
    ...commonErrors,
    409: { description: 'A cluster with this name exists', content: problemContent },
    ...staleVersionError,
    422: {
      description:
        'The changed connection details fail the check: token refused, privileges missing, certificate not matching',
      content: problemContent,
    },
    502: {
      description: 'The cluster could not be reached with the changed details',
      content: problemContent,
    },
  },
});

export const deleteClusterRoute = createRoute({
  method: 'delete',
  path: '/v1/clusters/{clusterId}',
  tags,
  summary: 'Remove a cluster, its stored secret and its guests from the inventory (admin)',
  ...requires('admin', 'cluster.delete'),
  request: { params: ClusterParams, headers: IfMatchHeader },
  responses: {
    204: { description: 'Removed' },
    ...commonErrors,
    ...staleVersionError,
  },
});

export const syncClusterRoute = createRoute({
  method: 'post',
  path: '/v1/clusters/{clusterId}/sync',
  tags,
  summary: 'Read the guest inventory from the cluster now (operator)',
  ...requires('operator', 'cluster.sync'),
  request: { params: ClusterParams },
  responses: {
    200: {
      description: 'What changed',
      content: json(
        z
          .object({
            clusterId: z.string(),
            total: z.number().int(),
            added: z.number().int(),
            updated: z.number().int(),
            gone: z.number().int(),
            unchanged: z.number().int(),
            syncedAt: z.string(),
          })
          .openapi('SyncResult'),
      ),
    },
    ...commonErrors,
    422: {
      description: 'The cluster refused the token or its certificate is not trusted',
      content: problemContent,
    },
    502: { description: 'The cluster could not be reached', content: problemContent },
  },
});
