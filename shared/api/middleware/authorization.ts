import type { MiddlewareHandler } from 'hono';
import { roleSatisfies } from '#shared/domain/roles.ts';
import { deny } from '#shared/services/audit-trail.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import type { RouteLookup } from '../route-index.ts';

/**
 * Checks the caller's role against the role the route declares, before the request is read
 * or validated: a caller who may not act learns nothing about the body's rules, and cannot
 * replay another role's idempotent response. A refusal is audited as `denied`, as in the use
 * cases (which check again, for callers other than the API).
 */
export function authorizationMiddleware(lookup: RouteLookup, deps: ServiceDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const matched = lookup(c.req.method, c.req.path);
    const needed = matched?.route['x-required-role'];
    const principal = c.get('principal');
    if (matched && needed && !roleSatisfies(principal.role, needed)) {
      const action = matched.route['x-audit-action'] ?? `${c.req.method.toLowerCase()} ${matched.route.path}`;
      // The resource is the one the path names first (`/guests/{guestId}/snapshots/...` is the guest).
      const [named] = matched.params;
      await deny(deps, { principal, requestId: c.get('requestId') }, needed, {
        action,
        resourceType: named ? named[0].replace(/Id$/, '') : (action.split('.')[0] ?? action),
        resourceId: named ? named[1] : '-',
      });
    }
    await next();
  };
}
