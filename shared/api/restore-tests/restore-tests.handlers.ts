import type { OpenAPIHono } from '@hono/zod-openapi';
import type { RestoreTestSpec } from '#shared/domain/restore-test/restore-test.ts';
import type { WorkflowStarter } from '#shared/ports/workflow-starter.ts';
import {
  createRestoreTest,
  deleteRestoreTest,
  getRestoreTest,
  getRestoreTestRun,
  type RestoreTestDeps,
  restoreTestRunView,
  restoreTestView,
  runRestoreTestNow,
  updateRestoreTest,
} from '#shared/services/restore-tests/restore-tests.ts';
import type { ApiEnv } from '../api-env.ts';
import { etagOf, expectedVersion } from '../etag.ts';
import { requestContext } from '../request-context.ts';
import { mergePatchOnto } from '../scheduled-resource.ts';
import * as routes from './restore-tests.routes.ts';
import { RestoreTestSpecSchema } from './restore-tests.schemas.ts';

export function registerRestoreTestRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: RestoreTestDeps & { readonly workflows: WorkflowStarter },
): void {
  app.openapi(routes.createRestoreTestRoute, async (c) => {
    const test = await createRestoreTest(deps, requestContext(c), c.req.valid('json'));
    c.header('Location', `/v1/restore-tests/${test.id}`);
    c.header('ETag', etagOf(test.version));
    return c.json(restoreTestView(test), 201);
  });

  app.openapi(routes.listRestoreTestsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = await deps.store.restoreTests.list(requestContext(c).principal.tenantId, {
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return c.json(
      { items: page.items.map(restoreTestView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  app.openapi(routes.getRestoreTestRoute, async (c) => {
    const test = await getRestoreTest(
      deps,
      requestContext(c).principal.tenantId,
      c.req.valid('param').restoreTestId,
    );
    c.header('ETag', etagOf(test.version));
    return c.json(restoreTestView(test), 200);
  });

  app.openapi(routes.updateRestoreTestRoute, async (c) => {
    const patch = c.req.valid('json');
    const test = await updateRestoreTest(
      deps,
      requestContext(c),
      c.req.valid('param').restoreTestId,
      mergePatchOnto<RestoreTestSpec>(RestoreTestSpecSchema, patch),
      expectedVersion(c.req.valid('header')['if-match']),
    );
    c.header('ETag', etagOf(test.version));
    return c.json(restoreTestView(test), 200);
  });

  app.openapi(routes.deleteRestoreTestRoute, async (c) => {
    await deleteRestoreTest(
      deps,
      requestContext(c),
      c.req.valid('param').restoreTestId,
      expectedVersion(c.req.valid('header')['if-match']),
    );
    return c.body(null, 204);
  });

  app.openapi(routes.runRestoreTestRoute, async (c) => {
    const run = await runRestoreTestNow(deps, requestContext(c), c.req.valid('param').restoreTestId);
    c.header('Location', `/v1/restore-test-runs/${run.id}`);
    return c.json(restoreTestRunView(run), 202);
  });

  app.openapi(routes.listRestoreTestRunsRoute, async (c) => {
    const { limit, cursor, restoreTest } = c.req.valid('query');
    const page = await deps.store.restoreTestRuns.list(requestContext(c).principal.tenantId, {
      limit,
      ...(cursor ? { cursor } : {}),
      ...(restoreTest ? { testId: restoreTest } : {}),
    });
    return c.json(
      {
        items: page.items.map(restoreTestRunView),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      },
      200,
    );
  });

  app.openapi(routes.getRestoreTestRunRoute, async (c) => {
    const run = await getRestoreTestRun(
      deps,
      requestContext(c).principal.tenantId,
      c.req.valid('param').runId,
    );
    return c.json(restoreTestRunView(run), 200);
  });
}
