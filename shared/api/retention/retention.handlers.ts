import type { OpenAPIHono } from '@hono/zod-openapi';
import { simulateRetention } from '#shared/services/retention/simulate-retention.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import * as routes from './retention.routes.ts';

export function registerRetentionRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.simulateRoute, (c) => {
    const { retention, timezone, snapshots } = c.req.valid('json');
    const decisions = simulateRetention(
      retention,
      timezone,
      snapshots.map((snapshot) => ({ ...snapshot, time: Date.parse(snapshot.time) })),
      deps.now(),
    );
    return c.json(
      {
        snapshots: decisions.map((decision) => ({
          ...decision,
          time: new Date(decision.time).toISOString(),
        })),
      },
      200,
    );
  });
}
