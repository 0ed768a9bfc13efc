import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import { createExclusion, deleteExclusion } from '#shared/services/exclusions.ts';
import { guestFilter } from '#shared/services/guest-reference.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './exclusions.routes.ts';

const view = ({ tenantId: _tenantId, ...rest }: Exclusion) => rest;

export function registerExclusionRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.createExclusionRoute, async (c) => {
    const exclusion = await createExclusion(deps, requestContext(c), c.req.valid('json'));
    c.header('Location', `/v1/exclusions/${exclusion.id}`);
    return c.json(view(exclusion), 201);
  });

  app.openapi(routes.listExclusionsRoute, async (c) => {
    const { limit, cursor, guestId, policyId } = c.req.valid('query');
    const tenantId = requestContext(c).principal.tenantId;
    const guest = guestId !== undefined ? await guestFilter(deps, tenantId, guestId) : undefined;
    if (guest && 'unknown' in guest) return c.json({ items: [] }, 200);
    const page = await deps.store.exclusions.list(tenantId, {
      limit,
      ...(cursor ? { cursor } : {}),
      ...(guest ? { guestId: guest.guestId } : {}),
      ...(policyId ? { policyId } : {}),
    });
    return c.json(
      { items: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  app.openapi(routes.deleteExclusionRoute, async (c) => {
    await deleteExclusion(deps, requestContext(c), c.req.valid('param').exclusionId);
    return c.body(null, 204);
  });
}
