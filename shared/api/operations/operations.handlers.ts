import type { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError } from '#shared/domain/errors.ts';
import type { Operation } from '#shared/domain/operation.ts';
import { listOperations } from '#shared/services/guest-operations/list-operations.ts';
import {
  getOperation,
  type OperationDeps,
  requestOperation,
} from '#shared/services/guest-operations/request-operation.ts';
import { updateSnapshot } from '#shared/services/guest-operations/update-snapshot.ts';
import { findGuest } from '#shared/services/guest-reference.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './operations.routes.ts';

const view = ({ tenantId: _tenantId, ...operation }: Operation) => operation;

export function registerOperationRoutes(app: OpenAPIHono<ApiEnv>, deps: OperationDeps): void {
  const accepted = (c: Parameters<Parameters<typeof app.openapi>[1]>[0], operation: Operation) => {
    c.header('Location', `/v1/operations/${operation.id}`);
    return c.json(view(operation), 202);
  };

  app.openapi(routes.createSnapshotRoute, async (c) => {
    const { guestId } = c.req.valid('param');
    const body = ((await c.req.text()) ? c.req.valid('json') : undefined) ?? { includeMemory: false };
    const operation = await requestOperation(deps, requestContext(c), 'snapshot', guestId, body.name, {
      includeMemory: body.includeMemory,
      ...(body.description !== undefined ? { description: body.description } : {}),
    });
    return accepted(c as never, operation) as never;
  });

  app.openapi(routes.deleteSnapshotRoute, async (c) => {
    const { guestId, snapshotId } = c.req.valid('param');
    return accepted(
      c as never,
      await requestOperation(deps, requestContext(c), 'delete-snapshot', guestId, snapshotId, {}),
    ) as never;
  });

  app.openapi(routes.restoreSnapshotRoute, async (c) => {
    const { guestId, snapshotId } = c.req.valid('param');
    const { mode, safetySnapshot, start, newGuest } = c.req.valid('json');
    const operation = await requestOperation(
      deps,
      requestContext(c),
      mode === 'in_place' ? 'restore-in-place' : 'restore-new-guest',
      guestId,
      snapshotId,
      { safetySnapshot, ...(start !== undefined ? { start } : {}), ...(newGuest ? { newGuest } : {}) },
    );
    return accepted(c as never, operation) as never;
  });

  app.openapi(routes.listOperationsRoute, async (c) => {
    const { limit, cursor, guest, kind, status } = c.req.valid('query');
    const page = await listOperations(deps, requestContext(c), {
      limit,
      ...(cursor ? { cursor } : {}),
      ...(guest ? { guest } : {}),
      ...(kind ? { kind } : {}),
      ...(status ? { status } : {}),
    });
    return c.json(
      { items: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  app.openapi(routes.getOperationRoute, async (c) => {
    return c.json(view(await getOperation(deps, requestContext(c), c.req.valid('param').operationId)), 200);
  });

  app.openapi(routes.updateSnapshotRoute, async (c) => {
    const { guestId, snapshotId } = c.req.valid('param');
    const { tenantId: _tenantId, ...record } = await updateSnapshot(
      deps,
      requestContext(c),
      guestId,
      snapshotId,
      c.req.valid('json'),
    );
    return c.json(record, 200);
  });

  app.openapi(routes.getSnapshotRoute, async (c) => {
    const { guestId, snapshotId } = c.req.valid('param');
    const tenantId = requestContext(c).principal.tenantId;
    const guest = await findGuest(deps, tenantId, guestId);
    const record = guest ? await deps.store.snapshots.get(tenantId, guest.id, snapshotId) : undefined;
    if (!record) throw new NotFoundError('snapshot', `${guestId}/${snapshotId}`);
    const { tenantId: _tenantId, ...view } = record;
    return c.json(view, 200);
  });
}
