import type { OpenAPIHono } from '@hono/zod-openapi';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import type { TaskCallbacks } from '#shared/ports/task-callbacks.ts';
import { answerHookCallback } from '#shared/services/hooks/hook-callback.ts';
import { listHookCalls } from '#shared/services/hooks/hook-calls.ts';
import { createHookSecret } from '#shared/services/hooks/hook-secret.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './hooks.routes.ts';

export function registerHookRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: ServiceDeps & { readonly webhookSecrets: SecretStore; readonly taskCallbacks: TaskCallbacks },
): void {
  app.openapi(routes.createHookSecretRoute, async (c) => {
    const created = await createHookSecret(
      { ...deps, hookSecrets: deps.webhookSecrets },
      requestContext(c),
      c.req.valid('param').policyId,
    );
    return c.json(created, 201);
  });

  app.openapi(routes.listHookCallsRoute, async (c) => {
    const calls = await listHookCalls(deps, requestContext(c), c.req.valid('param').runId);
    return c.json({ items: calls }, 200);
  });

  app.openapi(routes.hookCallbackRoute, async (c) => {
    const body = c.req.valid('json');
    const recorded = await answerHookCallback(
      { ...deps, hookSecrets: deps.webhookSecrets },
      {
        token: c.req.valid('param').token,
        webhookId: c.req.header('webhook-id'),
        webhookTimestamp: c.req.header('webhook-timestamp'),
        webhookSignature: c.req.header('webhook-signature'),
        // The signature covers the body as sent, not as parsed.
        rawBody: await c.req.text(),
        outcome: body.outcome,
        message: body.message,
      },
    );
    return c.json(recorded, 200);
  });
}
