import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import { getSettings, settingsView, updateSettings } from '#shared/services/tenants/tenant-settings.ts';
import type { ApiEnv } from '../api-env.ts';
import { etagOf, expectedVersion } from '../etag.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './settings.routes.ts';

export function registerSettingsRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.getSettingsRoute, async (c) => {
    const profile = await getSettings(deps, requestContext(c));
    c.header('ETag', etagOf(profile.version));
    return c.json(settingsView(profile), 200);
  });

  app.openapi(routes.putSettingsRoute, async (c) => {
    const input = c.req.valid('json');
    const profile = await updateSettings(
      deps,
      requestContext(c),
      () => input,
      expectedVersion(c.req.valid('header')['if-match']),
    );
    c.header('ETag', etagOf(profile.version));
    return c.json(settingsView(profile), 200);
  });

  app.openapi(routes.patchSettingsRoute, async (c) => {
    const patch = c.req.valid('json');
    const profile = await updateSettings(
      deps,
      requestContext(c),
      (current) => ({ ...current, ...patch }),
      expectedVersion(c.req.valid('header')['if-match']),
    );
    c.header('ETag', etagOf(profile.version));
    return c.json(settingsView(profile), 200);
  });
}
