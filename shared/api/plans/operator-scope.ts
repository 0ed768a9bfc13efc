/**
 * The OAuth scope of the service operator's credential (e.g. a Cognito app client with the
 * client-credentials grant). Tenant tokens never carry it: the operator routes refuse them, in
 * API Gateway (the route's authorization scopes) and again in the app.
 */
export const OPERATOR_SCOPE = 'pve-snapshots/operator';

/** The operator routes' path prefix (outside `/v1`: no tenant, no role). */
export const OPERATOR_PREFIX = '/operator';

/**
 * Whether verified claims carry the operator scope. API Gateway passes `scope` on as a
 * space-separated string (an array claim as `[a b]`).
 */
export function hasOperatorScope(claims: Record<string, unknown>): boolean {
  const scope = claims.scope ?? claims.scp;
  if (typeof scope !== 'string') return false;
  return scope
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .includes(OPERATOR_SCOPE);
}
