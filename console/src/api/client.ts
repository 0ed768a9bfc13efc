/**
 * The console's API client: the same typed client the CLI uses (client/, generated from
 * /openapi.json), on the console's own origin, with the signed-in user's token.
 */
import { type ApiClient, ApiError, createApiClient, unwrap } from '../../../client/api-client.ts';

export type { ApiClient };
export { ApiError };

export function createConsoleClient(token: string, onUnauthorized: () => void): ApiClient {
  const client = createApiClient({ baseUrl: location.origin, token });
  client.use({
    onResponse: ({ response }) => {
      // An expired or revoked token: back to the sign-in page.
      if (response.status === 401) onUnauthorized();
      return undefined;
    },
  });
  return client;
}

/** The body of a 2xx answer; an `ApiError` with the problem document otherwise. */
export async function data<A extends { data?: unknown; error?: unknown; response: Response }>(
  pending: Promise<A>,
): Promise<Exclude<A['data'], undefined>> {
  return (await unwrap(pending)).data;
}

/** The API's messages for one field (`schedule.cron`, or any part of it), from a validation problem. */
export function fieldErrors(error: unknown, path: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return (error.problem?.errors ?? [])
    .filter((item) => item.path === path || item.path.startsWith(`${path}.`))
    .map((item) => item.message);
}

/** Query parameters without the empty ones: an empty filter field means "any", not `name=`. */
export function present<T extends Record<string, unknown>>(
  values: T,
): { [K in keyof T]?: Exclude<T[K], ''> } {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== '' && value !== undefined),
  ) as { [K in keyof T]?: Exclude<T[K], ''> };
}
