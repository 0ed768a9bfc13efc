import type { OpenAPIHono } from '@hono/zod-openapi';
import { getTenantPlan, setTenantPlan } from '#shared/services/plans/set-plan.ts';
import { usageReport } from '#shared/services/plans/usage-report.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import { operatorMiddleware } from './operator.middleware.ts';
import { OPERATOR_PREFIX } from './operator-scope.ts';
import * as routes from './plans.routes.ts';

export function registerPlanRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.getUsageRoute, async (c) => c.json(await usageReport(deps, requestContext(c)), 200));

  app.use(`${OPERATOR_PREFIX}/*`, operatorMiddleware());
  app.openapi(routes.getTenantPlanRoute, async (c) =>
    c.json(await getTenantPlan(deps, c.req.valid('param').tenantId), 200),
  );
  app.openapi(routes.putTenantPlanRoute, async (c) => {
    const { tenantId } = c.req.valid('param');
    const { plan } = c.req.valid('json');
    const changed = await setTenantPlan(
      deps,
      { subject: c.get('operator'), requestId: c.get('requestId') },
      tenantId,
      plan,
    );
    return c.json(changed, 200);
  });
}
