import { randomBytes } from 'node:crypto';
import type { AgentKey } from '#shared/domain/agent/agent-key.ts';
import { formatAgentKey, hashAgentSecret, MAX_ACTIVE_AGENT_KEYS } from '#shared/domain/agent/agent-key.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import { ConflictError, NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import type { AgentConnections } from '#shared/ports/agent-connections.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import { getCluster } from '../clusters.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** What clients see of a key: never its secret or hash. */
export type AgentKeyView = Omit<AgentKey, 'secretHash' | 'tenantId'>;

export function agentKeyView(key: AgentKey): AgentKeyView {
  const { secretHash: _hash, tenantId: _tenant, ...view } = key;
  return view;
}

const keyFacts = (keyId: string, action: string) => ({
  action,
  resourceType: 'agent-key',
  resourceId: keyId,
});

/**
 * Creates an agent key for an agent cluster. The key is returned once, here; only its hash is
 * stored. Two keys may be valid at once, so a key is rotated by creating the new one, moving the
 * agent to it, and revoking the old one.
 */
export async function createAgentKey(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
  input: { name?: string | undefined },
): Promise<{ key: AgentKey; secret: string }> {
  const id = deps.ids.next('ak');
  await authorize(deps, context, 'manage', keyFacts(id, 'agent.create-key'));
  const cluster = await getCluster(deps, context, clusterId);
  if (cluster.connection !== 'agent') {
    throw ValidationError.single(
      'clusterId',
      'cluster.not-agent',
      `cluster ${cluster.name} is reached directly; agent keys are for clusters registered with connection "agent"`,
    );
  }
  const active = (await deps.store.agents.listKeys(cluster.tenantId, cluster.id)).filter(
    (key) => !key.revokedAt,
  );
  if (active.length >= MAX_ACTIVE_AGENT_KEYS) {
    throw new ConflictError(
      `cluster ${cluster.name} has ${active.length} valid agent keys; revoke one before creating another`,
    );
  }
  const secret = randomBytes(32).toString('base64url');
  const key: AgentKey = {
    id,
    tenantId: cluster.tenantId,
    clusterId: cluster.id,
    name: input.name ?? `agent key ${active.length + 1}`,
    secretHash: hashAgentSecret(secret),
    createdAt: new Date(deps.now()).toISOString(),
  };
  await deps.store.agents.createKey(key, [
    deps.store.audit.entry(
      auditEvent(deps, context, { ...keyFacts(id, 'agent.create-key'), after: { ...agentKeyView(key) } }),
    ),
  ]);
  return { key, secret: formatAgentKey(key.tenantId, key.id, secret) };
}

export async function listAgentKeys(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
): Promise<AgentKey[]> {
  const cluster = await getCluster(deps, context, clusterId);
  return await deps.store.agents.listKeys(cluster.tenantId, cluster.id);
}

/** Revokes a key; the connection an agent holds with it is closed at once. */
export async function revokeAgentKey(
  deps: ServiceDeps & { readonly agentConnections?: AgentConnections },
  context: AuditContext,
  clusterId: string,
  keyId: string,
): Promise<void> {
  await authorize(deps, context, 'manage', keyFacts(keyId, 'agent.revoke-key'));
  const cluster = await getCluster(deps, context, clusterId);
  const key = await deps.store.agents.getKey(cluster.tenantId, keyId);
  if (!key || key.clusterId !== cluster.id) throw new NotFoundError('agent key', keyId);
  if (!key.revokedAt) {
    const revokedAt = new Date(deps.now()).toISOString();
    await deps.store.agents.revokeKey(key, revokedAt, [
      deps.store.audit.entry(
        auditEvent(deps, context, {
          ...keyFacts(keyId, 'agent.revoke-key'),
          before: { ...agentKeyView(key) },
          after: { ...agentKeyView(key), revokedAt },
        }),
      ),
    ]);
  }
  const connection = await deps.store.agents.getConnection(cluster.tenantId, cluster.id);
  if (connection?.connectionId && connection.keyId === keyId) {
    await deps.agentConnections?.close(connection.connectionId);
  }
}
