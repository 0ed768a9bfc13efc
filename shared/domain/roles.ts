/** The three roles of a tenant, from least to most privileged. */
const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What an authenticated caller is, taken only from the verified token. */
export interface Principal {
  readonly tenantId: string;
  readonly subject: string;
  readonly role: Role;
}

/**
 * The least role each kind of action needs: viewers read; operators also run policies and
 * take, delete and restore snapshots; admins also manage clusters, policies, exclusions and
 * subscriptions.
 */
const LEAST_ROLE = {
  read: 'viewer',
  operate: 'operator',
  manage: 'admin',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof LEAST_ROLE;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The least role that has the permission (what a refusal tells the caller to get). */
export function leastRoleFor(permission: Permission): Role {
  return LEAST_ROLE[permission];
}

/** Whether `role` is `needed` or a more privileged role. */
export function roleSatisfies(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export function hasPermission(role: Role, permission: Permission): boolean {
  return roleSatisfies(role, LEAST_ROLE[permission]);
}

const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** What a JSON `null`, boolean or number claim turns into once a gateway passes claims as strings. */
const STRINGIFIED_SCALAR = new Set(['null', 'true', 'false', 'undefined']);

/** The rule {@link isTenantId} checks, in words, for error messages. */
export const TENANT_ID_RULE =
  '2-63 lower-case letters, digits and hyphens, starting with a letter or digit, and not a number, true, false or null';

/**
 * Whether a token claim is a usable tenant id. API Gateway's JWT authorizer hands every claim
 * over as a string, so a claim that was `null`, `true` or `12345` in the token arrives as
 * "null", "true" or "12345": those spellings are refused, or they would become tenants.
 */
export function isTenantId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    TENANT_ID.test(value) &&
    !STRINGIFIED_SCALAR.has(value) &&
    !Number.isFinite(Number(value))
  );
}
