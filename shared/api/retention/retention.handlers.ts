import type { OpenAPIHono } from '@hono/zod-openapi';
import { applyRetention } from '#shared/domain/retention.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import * as routes from './retention.routes.ts';

export function registerRetentionRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.simulateRoute, (c) => {
    const { retention, timezone, snapshots } = c.req.valid('json');
    const decisions = applyRetention(
      retention,
      timezone,
      snapshots.map((snapshot) => ({
        id: snapshot.id,
        time: Date.parse(snapshot.time),
        ...(snapshot.protected ? { protected: true } : {}),
      })),
      { now: deps.now() },
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
