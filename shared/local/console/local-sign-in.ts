/**
 * The local runtime's sign-in for the console: a token for the demo tenant in the chosen role,
 * signed with the service's key, as `npm run token` would print. It exists only in the local
 * runtime (AWS signs in at the OIDC issuer) and answers only callers on this machine, so a
 * service started with HOST=0.0.0.0 hands no tokens to the network.
 */
import { isRole } from '#shared/domain/roles.ts';
import type { SiteRequest, SiteResponse } from './console-site.ts';

export const SIGN_IN_PATH = '/local/sign-in';
/** The tenant `npm start` registers the simulated cluster `lab` for. */
const DEMO_TENANT = 'demo';

export type LocalSignIn = (request: SiteRequest) => Promise<SiteResponse>;

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

const ROLE_RULE = 'must be one of viewer, operator, admin';

function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  errors?: Array<{ path: string; rule: string; message: string }>,
): SiteResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify({
      type: `urn:pve-snapshots:problem:${slug}`,
      title,
      status,
      detail,
      instance: SIGN_IN_PATH,
      ...(errors ? { errors } : {}),
    }),
  };
}

export function createLocalSignIn(
  mint: (tenant: string, role: string, subject: string) => Promise<string>,
): LocalSignIn {
  return async (request) => {
    if (request.method !== 'POST')
      return problem(405, 'method-not-allowed', 'Method not allowed', 'POST {"role": …} to sign in.');
    if (!isLoopback(request.remoteAddress))
      return problem(
        403,
        'forbidden',
        'Forbidden',
        'The local sign-in answers only callers on this machine.',
      );
    let role: unknown;
    try {
      role = (JSON.parse(request.body.toString('utf8')) as { role?: unknown }).role;
    } catch {
      role = undefined;
    }
    if (!isRole(role))
      return problem(400, 'validation-failed', 'Validation failed', ROLE_RULE, [
        { path: 'role', rule: 'enum', message: ROLE_RULE },
      ]);
    const token = await mint(DEMO_TENANT, role, `console-${role}`);
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ token, tenant: DEMO_TENANT, role }),
    };
  };
}
