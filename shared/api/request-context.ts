import type { Context } from 'hono';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { ApiEnv } from './api-env.ts';

/** The caller and request id of the current request, as use cases take them. */
export function requestContext(c: Context<ApiEnv>): AuditContext {
  return { principal: c.get('principal'), requestId: c.get('requestId') };
}
