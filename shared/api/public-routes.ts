/**
 * Routes that need no token. API Gateway attaches the JWT authorizer to every other route, and
 * the local server applies the same rule, so both runtimes agree on what is public.
 */
export const PUBLIC_ROUTES = [
  { method: 'GET', path: '/v1/health' },
  { method: 'GET', path: '/openapi.json' },
  { method: 'GET', path: '/docs' },
] as const;

export function isPublicRoute(method: string, path: string): boolean {
  return PUBLIC_ROUTES.some((route) => route.method === method && route.path === path);
}
