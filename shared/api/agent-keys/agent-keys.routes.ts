import { createRoute, z } from '@hono/zod-openapi';
import { commonErrors, idParam, json, problemContent, requires, safeText } from '../schemas.ts';

const tags = ['Agents'];
const ClusterParams = z.object({ clusterId: idParam('clusterId', 'cl') });
const KeyParams = z.object({ clusterId: idParam('clusterId', 'cl'), keyId: idParam('keyId', 'ak') });

const AgentKeySchema = z
  .object({
    id: z.string(),
    clusterId: z.string(),
    name: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().optional(),
  })
  .openapi('AgentKey');

const CreatedAgentKeySchema = AgentKeySchema.extend({
  key: z.string().openapi({
    description:
      'The agent key; shown this once (only its hash is stored). Give it to the agent (AGENT_KEY_FILE).',
  }),
}).openapi('CreatedAgentKey');

export const createAgentKeyRoute = createRoute({
  method: 'post',
  path: '/v1/clusters/{clusterId}/agent-keys',
  tags,
  summary: 'Create an agent key for an agent cluster; returned once (admin)',
  ...requires('admin', 'agent.create-key'),
  request: {
    params: ClusterParams,
    body: {
      content: json(z.strictObject({ name: safeText(z.string().trim().min(1).max(100)).optional() })),
      required: false,
    },
  },
  responses: {
    201: { description: 'Created; the key is in the body, this once', content: json(CreatedAgentKeySchema) },
    ...commonErrors,
    409: {
      description: 'The cluster already has two valid keys (revoke one first)',
      content: problemContent,
    },
  },
});

export const listAgentKeysRoute = createRoute({
  method: 'get',
  path: '/v1/clusters/{clusterId}/agent-keys',
  tags,
  summary: 'List a cluster’s agent keys (never their secrets)',
  request: { params: ClusterParams },
  responses: {
    200: {
      description: 'The keys, revoked ones included, oldest first',
      content: json(z.object({ items: z.array(AgentKeySchema) }).openapi('AgentKeyList')),
    },
    ...commonErrors,
  },
});

export const revokeAgentKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/clusters/{clusterId}/agent-keys/{keyId}',
  tags,
  summary: 'Revoke an agent key; an agent connected with it is disconnected at once (admin)',
  ...requires('admin', 'agent.revoke-key'),
  request: { params: KeyParams },
  responses: {
    204: { description: 'Revoked' },
    ...commonErrors,
  },
});
