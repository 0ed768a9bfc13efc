import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '#shared/domain/errors.ts';
import type { ApiEnv } from '../api-env.ts';
import { hasOperatorScope, OPERATOR_SCOPE } from './operator-scope.ts';

/**
 * Lets only the service operator's credential through (its `scope` claim names
 * {@link OPERATOR_SCOPE}); a tenant token, whatever its role, is refused with 403. The
 * operator's subject is kept for the audit trail.
 */
export function operatorMiddleware(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const event = c.env?.event as
      | { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } }
      | undefined;
    const claims = event?.requestContext?.authorizer?.jwt?.claims;
    if (!claims) throw new UnauthorizedError('no verified token claims on the request');
    if (!hasOperatorScope(claims))
      throw new ForbiddenError(
        `operator routes need the service operator's credential (scope ${OPERATOR_SCOPE}); tenant tokens cannot use them`,
      );
    const subject = typeof claims.sub === 'string' && claims.sub ? claims.sub : 'operator';
    c.set('operator', subject);
    await next();
  };
}
