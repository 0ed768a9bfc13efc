import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '#shared/domain/errors.ts';
import { isRole, isTenantId, type Principal, TENANT_ID_RULE } from '#shared/domain/roles.ts';
import type { ApiEnv } from '../api-env.ts';

export interface ClaimNames {
  /** Claim holding the tenant id (default `tenant`). */
  readonly tenant: string;
  /** Claim holding the role (default `role`). */
  readonly role: string;
}

/**
 * Reads the caller from the claims API Gateway's JWT authorizer verified (the local server
 * verifies the same way and fills the same event field). Tenant and role come from nowhere else.
 */
function principalFromClaims(claims: Record<string, unknown> | undefined, names: ClaimNames): Principal {
  if (!claims) throw new UnauthorizedError('no verified token claims on the request');
  const tenantId = claims[names.tenant];
  const role = claims[names.role];
  const subject = claims.sub;
  if (!isTenantId(tenantId)) {
    throw new ForbiddenError(`the token's '${names.tenant}' claim must be a tenant id: ${TENANT_ID_RULE}`);
  }
  if (!isRole(role))
    throw new ForbiddenError(`the token's '${names.role}' claim must be viewer, operator or admin`);
  if (typeof subject !== 'string' || subject.length === 0)
    throw new ForbiddenError('the token has no subject');
  return { tenantId, role, subject };
}

export function principalMiddleware(
  names: ClaimNames,
  onPrincipal: (principal: Principal) => Promise<void>,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const event = c.env?.event as
      | { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } }
      | undefined;
    const principal = principalFromClaims(event?.requestContext?.authorizer?.jwt?.claims, names);
    c.set('principal', principal);
    await onPrincipal(principal);
    await next();
  };
}
