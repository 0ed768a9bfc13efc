import type { OpenAPIHono } from '@hono/zod-openapi';
import { skippedByReason } from '#shared/domain/run-skip.ts';
import { dryRunPolicy } from '#shared/services/policy-run/dry-run.ts';
import { cancelRun, getRun, type RunDeps, runPolicyNow, runView } from '#shared/services/runs.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './runs.routes.ts';

export function registerRunRoutes(app: OpenAPIHono<ApiEnv>, deps: RunDeps): void {
  app.openapi(routes.runPolicyRoute, async (c) => {
    const run = await runPolicyNow(deps, requestContext(c), c.req.valid('param').policyId);
    c.header('Location', `/v1/runs/${run.id}`);
    return c.json(runView(run), 202);
  });

  app.openapi(routes.dryRunPolicyRoute, async (c) => {
    return c.json(await dryRunPolicy(deps, requestContext(c), c.req.valid('param').policyId), 200);
  });

  app.openapi(routes.listRunsRoute, async (c) => {
    const { policy, status, from, to, limit, cursor } = c.req.valid('query');
    const page = await deps.store.runs.list(requestContext(c).principal.tenantId, {
      limit,
      ...(policy ? { policyId: policy } : {}),
      ...(status ? { status } : {}),
      ...(from ? { from: new Date(from).toISOString() } : {}),
      ...(to ? { to: new Date(to).toISOString() } : {}),
      ...(cursor ? { cursor } : {}),
    });
    return c.json(
      { items: page.items.map(runView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  app.openapi(routes.cancelRunRoute, async (c) => {
    const run = await cancelRun(deps, requestContext(c), c.req.valid('param').runId);
    return c.json(runView(run), 202);
  });

  app.openapi(routes.getRunRoute, async (c) => {
    const { run, results } = await getRun(deps, requestContext(c), c.req.valid('param').runId);
    const skipped = skippedByReason(results);
    return c.json(
      { ...runView(run), ...(Object.keys(skipped).length ? { skippedGuests: skipped } : {}), results },
      200,
    );
  });
}
