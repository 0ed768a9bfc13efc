/**
 * Routes that need no token. API Gateway attaches the JWT authorizer to every other route, and
 * the local server applies the same rule, so both runtimes agree on what is public. A hook
 * receiver's callback carries no tenant token: its one-time callback token and the policy's hook
 * signature are its credentials (checked by the route itself).
 */
export const PUBLIC_ROUTES = [
  { method: 'GET', path: '/v1/health' },
  { method: 'GET', path: '/openapi.json' },
  { method: 'GET', path: '/docs' },
  { method: 'POST', path: '/v1/hook-callbacks/{token}' },
] as const;

/** A route path as a pattern: each `{param}` matches one non-empty path segment. */
const patternOf = (path: string) =>
  new RegExp(`^${path.replaceAll(/\{[^}]+\}/g, '[^/]+').replaceAll('.', '\\.')}$`);

const PATTERNS = PUBLIC_ROUTES.map((route) => ({
  method: route.method as string,
  pattern: patternOf(route.path),
}));

export function isPublicRoute(method: string, path: string): boolean {
  return PATTERNS.some((route) => route.method === method && route.pattern.test(path));
}
