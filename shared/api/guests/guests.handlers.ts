import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Guest } from '#shared/domain/guest.ts';
import { listGuestSnapshots } from '#shared/services/guest-operations/list-guest-snapshots.ts';
import { requireGuest, resolveClusterId } from '#shared/services/guest-reference.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './guests.routes.ts';

const view = ({ tenantId: _tenantId, ...guest }: Guest) => guest;

export function registerGuestRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.listGuestsRoute, async (c) => {
    const { cluster, includeGone, cursor, ...filters } = c.req.valid('query');
    const tenantId = requestContext(c).principal.tenantId;
    const clusterId = cluster !== undefined ? await resolveClusterId(deps, tenantId, cluster) : undefined;
    // A cluster nobody has (by id or name) has no guests.
    if (cluster !== undefined && clusterId === undefined) return c.json({ items: [] }, 200);
    const page = await deps.store.guests.list(tenantId, {
      ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)),
      limit: filters.limit,
      ...(clusterId ? { clusterId } : {}),
      ...(cursor ? { cursor } : {}),
      includeGone: includeGone === 'true',
    });
    return c.json(
      { items: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  app.openapi(routes.getGuestRoute, async (c) => {
    const guest = await requireGuest(
      deps,
      requestContext(c).principal.tenantId,
      c.req.valid('param').guestId,
    );
    return c.json(view(guest), 200);
  });

  app.openapi(routes.listGuestSnapshotsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = await listGuestSnapshots(deps, requestContext(c), c.req.valid('param').guestId, {
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return c.json(page, 200);
  });
}
