import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  clusterView,
  deleteCluster,
  getCluster,
  registerCluster,
  updateCluster,
} from '#shared/services/clusters.ts';
import { syncClusterInventory } from '#shared/services/inventory.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { etagOf, expectedVersion } from '../etag.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './clusters.routes.ts';

export function registerClusterRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.createClusterRoute, async (c) => {
    const context = requestContext(c);
    const cluster = await registerCluster(deps, context, c.req.valid('json'));
    // A first inventory right away, so guests show up; a failed sync is audited and can be retried.
    // An agent cluster has no agent yet (it needs a key first): its agent's first sync comes later.
    if (cluster.connection !== 'agent')
      await syncClusterInventory(deps, context, cluster.id).catch((error: unknown) =>
        c
          .get('logger')
          .warn('first inventory sync failed', { clusterId: cluster.id, error: (error as Error).message }),
      );
    c.header('Location', `/v1/clusters/${cluster.id}`);
    c.header('ETag', etagOf(cluster.version));
    return c.json(clusterView(cluster), 201);
  });

  app.openapi(routes.listClustersRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = await deps.store.clusters.list(requestContext(c).principal.tenantId, {
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return c.json(
      { items: page.items.map(clusterView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  app.openapi(routes.getClusterRoute, async (c) => {
    const cluster = await getCluster(deps, requestContext(c), c.req.valid('param').clusterId);
    c.header('ETag', etagOf(cluster.version));
    return c.json(clusterView(cluster), 200);
  });

  app.openapi(routes.updateClusterRoute, async (c) => {
    const cluster = await updateCluster(
      deps,
      requestContext(c),
      c.req.valid('param').clusterId,
      c.req.valid('json'),
      expectedVersion(c.req.valid('header')['if-match']),
    );
    c.header('ETag', etagOf(cluster.version));
    return c.json(clusterView(cluster), 200);
  });

  app.openapi(routes.deleteClusterRoute, async (c) => {
    await deleteCluster(
      deps,
      requestContext(c),
      c.req.valid('param').clusterId,
      expectedVersion(c.req.valid('header')['if-match']),
    );
    return c.body(null, 204);
  });

  app.openapi(routes.syncClusterRoute, async (c) => {
    const clusterId = c.req.valid('param').clusterId;
    return c.json(await syncClusterInventory(deps, requestContext(c), clusterId, { backups: true }), 200);
  });
}
