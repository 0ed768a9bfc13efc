import type { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError } from '#shared/domain/errors.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './guests.routes.ts';

const view = ({ tenantId: _tenantId, ...guest }: Guest) => guest;

export function registerGuestRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.listGuestsRoute, async (c) => {
    const { cluster, includeGone, cursor, ...filters } = c.req.valid('query');
    const page = await deps.store.guests.list(requestContext(c).principal.tenantId, {
      ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)),
      limit: filters.limit,
      ...(cluster ? { clusterId: cluster } : {}),
      ...(cursor ? { cursor } : {}),
      includeGone: includeGone === 'true',
    });
    return c.json(
      { items: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  app.openapi(routes.getGuestRoute, async (c) => {
    const { guestId } = c.req.valid('param');
    const ref = parseGuestId(guestId);
    const guest = ref
      ? await deps.store.guests.get(requestContext(c).principal.tenantId, ref.clusterId, ref.vmid)
      : undefined;
    if (!guest) throw new NotFoundError('guest', guestId);
    return c.json(view(guest), 200);
  });

  app.openapi(routes.listGuestSnapshotsRoute, async (c) => {
    const { guestId } = c.req.valid('param');
    const tenantId = requestContext(c).principal.tenantId;
    const ref = parseGuestId(guestId);
    if (!ref || !(await deps.store.guests.get(tenantId, ref.clusterId, ref.vmid)))
      throw new NotFoundError('guest', guestId);
    const records = await deps.store.snapshots.list(tenantId, guestId);
    const items = records
      .map(({ tenantId: _tenantId, ...record }) => record)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return c.json({ items }, 200);
  });
}
