import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { OpenAPIHono } from '@hono/zod-openapi';
import {
  AppError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '#shared/domain/errors.ts';
import type { AgentConnections } from '#shared/ports/agent-connections.ts';
import type { TaskCallbacks } from '#shared/ports/task-callbacks.ts';
import type { SubscriptionDeps } from '#shared/services/notifications/subscriptions.ts';
import type { PolicyDeps } from '#shared/services/policies.ts';
import type { RestoreTestDeps } from '#shared/services/restore-tests/restore-tests.ts';
import type { RunDeps } from '#shared/services/runs.ts';
import { ensureTenant, type TenantPlans } from '#shared/services/tenants/first-use.ts';
import { registerAgentKeyRoutes } from './agent-keys/agent-keys.handlers.ts';
import type { ApiEnv } from './api-env.ts';
import { registerAuditRoutes } from './audit/audit.handlers.ts';
import { registerBackupRoutes } from './backups/backups.handlers.ts';
import { registerClusterRoutes } from './clusters/clusters.handlers.ts';
import { withMiddlewareContract } from './contract.ts';
import { registerExclusionRoutes } from './exclusions/exclusions.handlers.ts';
import { guestAwarePath } from './guests/guest-path.ts';
import { registerGuestRoutes } from './guests/guests.handlers.ts';
import { registerHookRoutes } from './hooks/hooks.handlers.ts';
import { registerInsightRoutes } from './insight/insight.handlers.ts';
import { authorizationMiddleware } from './middleware/authorization.ts';
import { idempotencyMiddleware } from './middleware/idempotency.ts';
import { jsonBodyMiddleware } from './middleware/json-body.ts';
import { type ClaimNames, principalMiddleware } from './middleware/principal.ts';
import { registerOperationRoutes } from './operations/operations.handlers.ts';
import { registerPlanRoutes } from './plans/plans.handlers.ts';
import { registerPolicyRoutes } from './policies/policies.handlers.ts';
import { issuesFromZod, toProblem } from './problem.ts';
import { isPublicRoute } from './public-routes.ts';
import { registerReportRoutes } from './reports/reports.handlers.ts';
import { registerRestoreTestRoutes } from './restore-tests/restore-tests.handlers.ts';
import { registerRetentionRoutes } from './retention/retention.handlers.ts';
import { routeIndex } from './route-index.ts';
import { registerRunRoutes } from './runs/runs.handlers.ts';
import { registerSettingsRoutes } from './settings/settings.handlers.ts';
import { registerStorageRoutes } from './storages/storages.handlers.ts';
import { registerSubscriptionRoutes } from './subscriptions/subscriptions.handlers.ts';
import { DOCS_PAGE } from './system/docs-page.ts';
import { healthRoute } from './system/system.routes.ts';

export interface ApiDeps extends RunDeps, PolicyDeps, SubscriptionDeps, RestoreTestDeps {
  readonly logger: Logger;
  /** The operator's plans: what a new tenant gets on its first request. */
  readonly tenantPlans: TenantPlans;
  readonly claims: ClaimNames;
  readonly version: string;
  /** Largest accepted request body. */
  readonly maxBodyBytes?: number;
  /** Closes an agent's connection when its key is revoked. */
  readonly agentConnections?: AgentConnections;
  /** Answers the policy run's task that waits for a hook receiver's callback. */
  readonly taskCallbacks: TaskCallbacks;
}

const LOCATION_PREFIX: Record<string, string> = { json: '', query: 'query', param: 'path', header: 'header' };

/** Builds the HTTP API: the same app runs behind API Gateway and behind the local server. */
export function createApp(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({
    // `lab%2F101` reaches the function decoded in AWS; see guestAwarePath.
    getPath: guestAwarePath,
    // One validation hook, so every bad request gets the same problem document.
    defaultHook: (result) => {
      // The validator passes the checked input along (untyped), so a missing field reads "is required".
      const input = (result as { data?: unknown }).data;
      if (!result.success)
        throw new ValidationError(issuesFromZod(result.error, LOCATION_PREFIX[result.target] ?? '', input));
    },
  });
  const routes = routeIndex(app);

  app.use('*', async (c, next) => {
    const event = c.env?.event as { requestContext?: { requestId?: string } } | undefined;
    const requestId = event?.requestContext?.requestId ?? randomUUID();
    c.set('requestId', requestId);
    c.set('logger', deps.logger);
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    const principal = c.get('principal');
    deps.logger.info('request', {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
      ...(principal ? { tenantId: principal.tenantId, actor: principal.subject, role: principal.role } : {}),
    });
  });

  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    const problem = toProblem(error, c.req.path, requestId);
    if (error instanceof UnauthorizedError || error instanceof ForbiddenError) {
      // Why a caller was refused, so "I get 401/403" can be answered from the log (never the token).
      deps.logger.info('request refused', {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: problem.status,
        reason: error.message,
      });
    } else if (error instanceof AppError && problem.status >= 500) {
      // An upstream failure the problem document already explains (e.g. Proxmox unreachable).
      deps.logger.warn('request failed upstream', {
        requestId,
        path: c.req.path,
        errorName: error.name,
        detail: error.message,
      });
    } else if (problem.status >= 500) {
      deps.logger.error('request failed', { requestId, path: c.req.path, error: error as Error });
    }
    return c.body(JSON.stringify(problem), problem.status as 500, {
      'Content-Type': 'application/problem+json',
    });
  });

  app.notFound((c) => {
    const problem = toProblem(
      new NotFoundError('route', `${c.req.method} ${c.req.path}`),
      c.req.path,
      c.get('requestId'),
    );
    return c.body(JSON.stringify(problem), 404, { 'Content-Type': 'application/problem+json' });
  });

  app.use('/v1/*', async (c, next) => {
    if (isPublicRoute(c.req.method, c.req.path)) return next();
    return principalMiddleware(deps.claims, (principal) => ensureTenant(deps, principal, c.get('requestId')))(
      c,
      next,
    );
  });
  // The role before the body: a caller who may not act learns nothing about the body's rules.
  app.use('/v1/*', async (c, next) =>
    isPublicRoute(c.req.method, c.req.path) ? next() : authorizationMiddleware(routes, deps)(c, next),
  );
  app.use('/v1/*', jsonBodyMiddleware(deps.maxBodyBytes ?? 1024 * 1024, routes));
  // Idempotency keys are kept per tenant; a public route has none (a hook callback is one-time anyway).
  const idempotency = idempotencyMiddleware(deps.store.idempotency);
  app.use('/v1/*', async (c, next) =>
    isPublicRoute(c.req.method, c.req.path) ? next() : idempotency(c, next),
  );

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const, version: deps.version }, 200));
  registerClusterRoutes(app, deps);
  registerAgentKeyRoutes(app, deps);
  registerGuestRoutes(app, deps);
  registerPolicyRoutes(app, deps);
  registerExclusionRoutes(app, deps);
  registerRunRoutes(app, deps);
  registerHookRoutes(app, deps);
  registerRetentionRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerSubscriptionRoutes(app, deps);
  registerOperationRoutes(app, deps);
  registerBackupRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerInsightRoutes(app, deps);
  registerSettingsRoutes(app, deps);
  registerStorageRoutes(app, deps);
  registerRestoreTestRoutes(app, deps);
  registerPlanRoutes(app, deps);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= withMiddlewareContract(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Proxmox VE snapshot and backup service',
          version: deps.version,
          description:
            'Errors are application/problem+json (RFC 9457). Lists are cursor-paginated. `x-required-role` on an operation names the least role it needs; `x-audit-action` the action it is audited as.',
        },
        security: [{ bearerAuth: [] }],
      }),
    );
    return c.json(document);
  });
  app.get('/docs', (c) => c.html(DOCS_PAGE));
  return app;
}
