import type { ClaimNames } from './console-config.ts';

export type Role = 'viewer' | 'operator' | 'admin';
const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const TOKEN_KEY = 'pve-snapshots.token';

export interface User {
  readonly tenant: string;
  readonly role: Role;
  readonly subject: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  readonly token: string;
}

function decodePayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const base64 = part.replaceAll('-', '+').replaceAll('_', '/');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Who a token says the user is. The API verifies the token; the console only reads it to shape
 * its screens (a viewer sees no buttons it cannot use), so a forged claim gains nothing.
 */
export function userFromToken(
  token: string,
  claims: ClaimNames = { tenant: 'tenant', role: 'role' },
  now = Date.now(),
): User | undefined {
  const payload = decodePayload(token.trim());
  if (!payload) return undefined;
  const role = payload[claims.role];
  const tenant = payload[claims.tenant];
  const exp = payload.exp;
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) return undefined;
  if (typeof tenant !== 'string' || typeof exp !== 'number' || exp * 1000 <= now) return undefined;
  return {
    tenant,
    role: role as Role,
    subject: typeof payload.sub === 'string' ? payload.sub : '',
    expiresAt: exp * 1000,
    token: token.trim(),
  };
}

/** Whether a user with `role` may do what needs `needed` (the API's order: viewer < operator < admin). */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** The token lives for the tab only: sessionStorage, never localStorage or a cookie. */
export const tokenStore = {
  read: (): string | undefined => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  write: (token: string) => sessionStorage.setItem(TOKEN_KEY, token.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};
