import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AgentConnections } from '#shared/ports/agent-connections.ts';
import {
  agentKeyView,
  createAgentKey,
  listAgentKeys,
  revokeAgentKey,
} from '#shared/services/agents/agent-keys.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './agent-keys.routes.ts';

export function registerAgentKeyRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: ServiceDeps & { readonly agentConnections?: AgentConnections },
): void {
  app.openapi(routes.createAgentKeyRoute, async (c) => {
    const body =
      c.req.header('content-length') === '0' ? {} : ((await c.req.json().catch(() => ({}))) as object);
    const { key, secret } = await createAgentKey(
      deps,
      requestContext(c),
      c.req.valid('param').clusterId,
      body,
    );
    c.header('Location', `/v1/clusters/${key.clusterId}/agent-keys/${key.id}`);
    c.header('Cache-Control', 'no-store');
    return c.json({ ...agentKeyView(key), key: secret }, 201);
  });

  app.openapi(routes.listAgentKeysRoute, async (c) => {
    const keys = await listAgentKeys(deps, requestContext(c), c.req.valid('param').clusterId);
    return c.json({ items: keys.map(agentKeyView) }, 200);
  });

  app.openapi(routes.revokeAgentKeyRoute, async (c) => {
    const { clusterId, keyId } = c.req.valid('param');
    await revokeAgentKey(deps, requestContext(c), clusterId, keyId);
    return c.body(null, 204);
  });
}
