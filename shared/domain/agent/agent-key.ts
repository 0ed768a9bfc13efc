import { createHash, timingSafeEqual } from 'node:crypto';

/** An agent's credential as stored: only a hash of its secret, bound to one tenant and one cluster. */
export interface AgentKey {
  readonly id: string;
  readonly tenantId: string;
  readonly clusterId: string;
  readonly name: string;
  /** SHA-256 of the secret part (hex); the secret is 32 random bytes, so no slow hash is needed. */
  readonly secretHash: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** At most this many valid keys per cluster: the old and the new one while a key is rotated. */
export const MAX_ACTIVE_AGENT_KEYS = 2;

const PREFIX = 'pvea';

/**
 * The key an agent presents: `pvea_<base64url(tenantId/keyId)>_<secret>`. The reference lets the
 * authorizer read the one stored hash (in the tenant's partition) without a lookup table.
 */
export function formatAgentKey(tenantId: string, keyId: string, secret: string): string {
  return `${PREFIX}_${Buffer.from(`${tenantId}/${keyId}`).toString('base64url')}_${secret}`;
}

export interface ParsedAgentKey {
  readonly tenantId: string;
  readonly keyId: string;
  readonly secret: string;
}

export function parseAgentKey(text: string): ParsedAgentKey | undefined {
  const match = /^pvea_([A-Za-z0-9_-]+?)_([A-Za-z0-9_-]{20,128})$/.exec(text.trim());
  if (!match) return undefined;
  const reference = Buffer.from(match[1] as string, 'base64url').toString('utf8');
  const slash = reference.lastIndexOf('/');
  if (slash <= 0 || slash === reference.length - 1) return undefined;
  return {
    tenantId: reference.slice(0, slash),
    keyId: reference.slice(slash + 1),
    secret: match[2] as string,
  };
}

export const hashAgentSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Whether a presented secret is the one a stored key was created with (constant time). */
export function agentSecretMatches(key: Pick<AgentKey, 'secretHash'>, secret: string): boolean {
  const presented = Buffer.from(hashAgentSecret(secret), 'hex');
  const stored = Buffer.from(key.secretHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
