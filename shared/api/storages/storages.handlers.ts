import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import { listClusterStorages, storageTrend } from '#shared/services/storage/storage-inventory.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './storages.routes.ts';

export function registerStorageRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.listStoragesRoute, async (c) => {
    const items = await listClusterStorages(deps, requestContext(c), c.req.valid('param').clusterId);
    return c.json({ items }, 200);
  });

  app.openapi(routes.storageTrendRoute, async (c) => {
    const { clusterId, storage } = c.req.valid('param');
    const points = await storageTrend(deps, requestContext(c), clusterId, storage, c.req.valid('query').days);
    return c.json({ storage, points }, 200);
  });
}
