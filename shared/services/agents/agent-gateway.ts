import type { Store } from '#shared/adapters/dynamo/store.ts';
import { agentSecretMatches, parseAgentKey } from '#shared/domain/agent/agent-key.ts';
import type { MessageRateLimiter } from '#shared/domain/agent/message-rate.ts';
import { AgentMessageSchema, MAX_MESSAGE_BYTES } from '#shared/domain/agent/protocol.ts';
import type { AuditEvent } from '#shared/domain/audit.ts';
import type { AgentConnections, AnswerSignal } from '#shared/ports/agent-connections.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { IdGenerator } from '#shared/ports/ids.ts';

/** Who is on a connection: what the authorizer found the agent key bound to. */
export interface AgentIdentity {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly keyId: string;
}

export interface AgentGatewayDeps {
  readonly store: Store;
  readonly connections: AgentConnections;
  readonly answers: AnswerSignal;
  readonly ids: IdGenerator;
  readonly now: Clock;
  /** Messages per connection; one over the limit closes the connection (the agent reconnects with backoff). */
  readonly rate: MessageRateLimiter;
}

/**
 * The `$connect` authorizer's check: the presented key must parse, exist, not be revoked and
 * match its stored hash. Undefined when it does not (the caller refuses with 401/403, and says
 * nothing about why).
 */
export async function authorizeAgentKey(
  store: Store,
  presented: string | undefined,
): Promise<AgentIdentity | undefined> {
  const parsed = presented ? parseAgentKey(presented.replace(/^Bearer\s+/i, '')) : undefined;
  if (!parsed) return undefined;
  const key = await store.agents.getKey(parsed.tenantId, parsed.keyId);
  if (!key || key.revokedAt || !agentSecretMatches(key, parsed.secret)) return undefined;
  const cluster = await store.clusters.get(key.tenantId, key.clusterId);
  if (cluster?.connection !== 'agent') return undefined;
  return { tenantId: key.tenantId, clusterId: key.clusterId, keyId: key.id };
}

/** `$connect`: this connection is now the cluster's agent; an earlier one is closed. */
export async function agentConnected(
  deps: AgentGatewayDeps,
  identity: AgentIdentity,
  connectionId: string,
): Promise<void> {
  const before = await deps.store.agents.getConnection(identity.tenantId, identity.clusterId);
  await deps.store.agents.putConnection({
    tenantId: identity.tenantId,
    clusterId: identity.clusterId,
    connectionId,
    keyId: identity.keyId,
    connectedAt: new Date(deps.now()).toISOString(),
    ...(before?.offlineReported ? { offlineReported: before.offlineReported } : {}),
  });
  if (before?.connectionId && before.connectionId !== connectionId) {
    await deps.connections.close(before.connectionId).catch(() => undefined);
  }
}

/** `$disconnect`: the agent is offline from now on (unless a newer connection replaced this one). */
export async function agentDisconnected(
  deps: AgentGatewayDeps,
  identity: AgentIdentity,
  connectionId: string,
): Promise<void> {
  await deps.store.agents.disconnect(
    identity.tenantId,
    identity.clusterId,
    connectionId,
    new Date(deps.now()).toISOString(),
  );
}

/**
 * `$default`: one message from an agent. Announcements and pings keep the connection current;
 * an answer is accepted only for a pending command of the agent's own tenant and cluster.
 * Anything else (a forged, replayed or foreign answer, an oversized or malformed message) is
 * refused and audited; a key revoked since the connection opened closes it.
 */
export async function agentMessage(
  deps: AgentGatewayDeps,
  identity: AgentIdentity,
  connectionId: string,
  body: string,
): Promise<void> {
  const rate = deps.rate.take(connectionId);
  if (rate !== 'within') {
    // Before any table read: a flood costs one refusal per connection, then nothing.
    if (rate === 'over') {
      await refuse(deps, identity, connectionId, 'message', 'messages faster than its rate limit');
      await deps.connections.close(connectionId).catch(() => undefined);
    }
    return;
  }
  const key = await deps.store.agents.getKey(identity.tenantId, identity.keyId);
  if (!key || key.revokedAt) {
    await deps.connections.close(connectionId).catch(() => undefined);
    return;
  }
  if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
    await refuse(deps, identity, connectionId, 'message', `a message of ${Buffer.byteLength(body)} bytes`);
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    await refuse(deps, identity, connectionId, 'message', 'a message that is not JSON');
    return;
  }
  const parsed = AgentMessageSchema.safeParse(json);
  if (!parsed.success) {
    await refuse(deps, identity, connectionId, 'message', 'a message of no known shape');
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'ping':
      return;
    case 'hello':
      await deps.store.agents.announce(identity.tenantId, identity.clusterId, connectionId, {
        agentVersion: message.version,
        commands: message.commands,
      });
      return;
    case 'answer': {
      const command = { tenantId: identity.tenantId, clusterId: identity.clusterId, id: message.id };
      let stored: boolean;
      if ('page' in message) {
        // A page is written before it completes the answer: check the command is this agent's first.
        if (!(await isOwnCommand(deps, command))) {
          await refuse(deps, identity, connectionId, message.id, 'an answer to a command it was never sent');
          return;
        }
        stored = await deps.store.agents.answerPage(
          identity.tenantId,
          message.id,
          message.page,
          message.pages,
          message.chunk,
        );
      } else {
        stored = await deps.store.agents.answer(
          command,
          'error' in message ? { error: message.error } : { result: JSON.stringify(message.result ?? null) },
        );
      }
      if (!stored) {
        const what = (await isOwnCommand(deps, command))
          ? 'a second answer to a command already answered'
          : 'an answer to a command it was never sent';
        await refuse(deps, identity, connectionId, message.id, what);
        return;
      }
      deps.answers.notify(message.id);
      return;
    }
  }
}

/** Whether the command exists and was sent to this agent's cluster (its tenant's partition only). */
async function isOwnCommand(
  deps: AgentGatewayDeps,
  command: { tenantId: string; clusterId: string; id: string },
): Promise<boolean> {
  const record = await deps.store.agents.getCommand(command.tenantId, command.id);
  return record !== undefined && record.clusterId === command.clusterId;
}

async function refuse(
  deps: AgentGatewayDeps,
  identity: AgentIdentity,
  connectionId: string,
  resourceId: string,
  what: string,
): Promise<void> {
  const event: AuditEvent = {
    id: deps.ids.next('aud'),
    tenantId: identity.tenantId,
    at: new Date(deps.now()).toISOString(),
    actor: `agent:${identity.keyId}`,
    role: 'system',
    action: 'agent.answer',
    resourceType: 'agent-command',
    resourceId,
    outcome: 'denied',
    requestId: connectionId,
    reason: `the agent of cluster ${identity.clusterId} sent ${what}; refused`,
  };
  await deps.store.audit.record(event);
}
