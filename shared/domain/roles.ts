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

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(LEAST_ROLE[permission]);
}
