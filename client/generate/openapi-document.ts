import { Logger } from '@aws-lambda-powertools/logger';
import { type ApiDeps, createApp } from '#shared/api/app.ts';

/**
 * A dependency the document never needs: any property of it is another such stand-in, and only
 * calling one fails, naming what was called. Building the routes touches the services' shape
 * (e.g. `store.idempotency`) but never calls them, so the document needs no table or network.
 */
function unusedDependency(path: string): unknown {
  return new Proxy(() => undefined, {
    get: (_target, property) => unusedDependency(`${path}.${String(property)}`),
    apply: () => {
      throw new Error(`building the OpenAPI document called ${path}(); it must need no service`);
    },
  });
}

/**
 * The OpenAPI document the service serves at `/openapi.json`, built from the same app offline, so
 * the client can be generated (and checked) without a running service.
 */
export async function loadOpenApiDocument(): Promise<unknown> {
  const known: Partial<ApiDeps> = {
    logger: new Logger({ serviceName: 'openapi-document', logLevel: 'SILENT' }),
    claims: { tenant: 'tenant', role: 'role' },
    version: 'generated',
    maxBodyBytes: 1024 * 1024,
  };
  const deps = new Proxy(known, {
    get: (target, property) =>
      property in target ? target[property as keyof ApiDeps] : unusedDependency(String(property)),
  }) as ApiDeps;
  const response = await createApp(deps).request('/openapi.json');
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
  return response.json();
}
