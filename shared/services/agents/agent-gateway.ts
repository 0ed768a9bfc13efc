import type { z } from 'zod';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { AgentAnswerRecord } from '#shared/domain/agent/agent-connection.ts';
import { agentSecretMatches, parseAgentKey } from '#shared/domain/agent/agent-key.ts';
import type { RecentKeyChecks } from '#shared/domain/agent/key-checks.ts';
import type { MessageRateLimiter } from '#shared/domain/agent/message-rate.ts';
import { AgentMessageSchema, MAX_MESSAGE_BYTES } from '#shared/domain/agent/protocol.ts';
import { checkCommandId, commandIdExpiry } from '#shared/domain/agent/signed-command-id.ts';
import type { AuditEvent } from '#shared/domain/audit.ts';
import { reviveError, type SerializedError, toLambdaFailure } from '#shared/domain/error-registry.ts';
import type { AgentConnections, AnswerSignal } from '#shared/ports/agent-connections.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { IdGenerator } from '#shared/ports/ids.ts';
import type { TaskCallbacks } from '#shared/ports/task-callbacks.ts';

type AgentMessage = z.infer<typeof AgentMessageSchema>;

/** Who is on a connection: what the authorizer found the agent key bound to. */
export interface AgentIdentity {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly keyId: string;
}

export interface AgentGatewayDeps {
  readonly store: Store;
  /** The key the connector signs command ids with: an answer's id must check out under it. */
  readonly commandKey: () => Promise<Buffer>;
  readonly connections: AgentConnections;
  readonly answers: AnswerSignal;
  readonly ids: IdGenerator;
  readonly now: Clock;
  /** Messages per connection; one over the limit closes the connection (the agent reconnects with backoff). */
  readonly rate: MessageRateLimiter;
  /** Answers the workflow tasks that wait for a followed Proxmox task (`followTask`). */
  readonly callbacks: TaskCallbacks;
  /** When each connection's key was last read valid after an answer (per warm instance). */
  readonly keyChecks: RecentKeyChecks;
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
 * an answer is accepted only once for a command whose signed id was given for the agent's own
 * tenant and cluster and has not expired. Anything else (a forged, replayed, expired or foreign
 * answer, an oversized or malformed message) is refused and audited; a key revoked since the
 * connection opened closes it.
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
  const message = parseMessage(body);
  if (typeof message !== 'string' && message.type === 'answer') {
    // The answer is stored and its waiter woken first; the key is read after it, off the answer's
    // path, and at most every few seconds per connection: revoking a key closes its connection at
    // once (DeleteConnection), so this read only catches a connection that outlived its revoke
    // (its answers stand on their signed ids, as one a moment before the revoke would).
    const outcome = await storeAnswer(deps, await deps.commandKey(), identity, message);
    if (typeof outcome === 'object') deps.answers.notify(message.id, outcome.answer);
    else await refuse(deps, identity, connectionId, message.id, REFUSED_ANSWERS[outcome](message.id));
    if (deps.keyChecks.due(connectionId) && (await keyStillHeld(deps, identity, connectionId)))
      deps.keyChecks.passed(connectionId);
    return;
  }
  if (!(await keyStillHeld(deps, identity, connectionId))) return;
  if (typeof message === 'string') {
    await refuse(deps, identity, connectionId, 'message', message);
    return;
  }
  switch (message.type) {
    case 'ping':
      return;
    case 'hello':
      await deps.store.agents.announce(identity.tenantId, identity.clusterId, connectionId, {
        agentVersion: message.version,
        commands: message.commands,
      });
      return;
    case 'taskHeartbeat':
    case 'taskEnded':
      await taskReport(deps, identity, connectionId, message);
      return;
  }
}

/** Why an answer was refused, for the audit trail. */
const REFUSED_ANSWERS: Record<Exclude<AnswerOutcome, object>, (id: string) => string> = {
  refused: () => 'an answer to a command it was never sent',
  expired: (id) =>
    `an answer to a command whose id expired at ${new Date(commandIdExpiry(id) ?? 0).toISOString()}`,
  second: () => 'a second answer to a command already answered',
};

/** Whether the connection's key is still valid; a revoked (or deleted) key's connection is closed. */
async function keyStillHeld(
  deps: AgentGatewayDeps,
  identity: AgentIdentity,
  connectionId: string,
): Promise<boolean> {
  const key = await deps.store.agents.getKey(identity.tenantId, identity.keyId);
  if (key && !key.revokedAt) return true;
  await deps.connections.close(connectionId).catch(() => undefined);
  return false;
}

/** The message, or why it is refused (too large, not JSON, of no known shape). */
function parseMessage(body: string): AgentMessage | string {
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_MESSAGE_BYTES) return `a message of ${bytes} bytes`;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'a message that is not JSON';
  }
  const parsed = AgentMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : 'a message of no known shape';
}

/**
 * What became of an answer: stored (`answer`: the whole answer as stored, absent for a page), or
 * refused: `refused` (its id was not given for this agent's tenant and cluster, or not by this
 * service), `expired`, or `second` (its command was answered already, or the page came already).
 */
type AnswerOutcome = { answer?: AgentAnswerRecord } | 'refused' | 'expired' | 'second';

/**
 * Stores an answer (or one page of it) to a command whose signed id checks out for the agent's
 * own tenant and cluster. The whole answer is one conditional write that creates its record (a
 * second answer finds it there); nothing is read first.
 */
async function storeAnswer(
  deps: AgentGatewayDeps,
  commandKey: Buffer,
  identity: AgentIdentity,
  message: Extract<AgentMessage, { type: 'answer' }>,
): Promise<AnswerOutcome> {
  const command = { tenantId: identity.tenantId, clusterId: identity.clusterId, id: message.id };
  const check = checkCommandId(commandKey, identity, message.id, deps.now());
  if (check === 'expired') return 'expired';
  if (check !== 'valid') return 'refused';
  const at = new Date(deps.now()).toISOString();
  if ('page' in message) {
    const stored = await deps.store.agents.answerPage(command, message, at);
    return stored ? {} : 'second';
  }
  const answer =
    'error' in message ? { error: message.error } : { result: JSON.stringify(message.result ?? null) };
  const stored = await deps.store.agents.answer(command, answer, at);
  return stored ? { answer: stored } : 'second';
}

type TaskReport =
  | { type: 'taskHeartbeat'; id: string }
  | { type: 'taskEnded'; id: string; result?: unknown }
  | { type: 'taskEnded'; id: string; error: SerializedError };

/**
 * A followed task's heartbeat or end, passed on to the workflow task waiting for it. The token
 * comes from the record the connector wrote before sending the `followTask` (its id signed for
 * this agent's cluster), never from the message; a report for anything else, or a second end, is refused and audited.
 */
async function taskReport(
  deps: AgentGatewayDeps,
  identity: AgentIdentity,
  connectionId: string,
  report: TaskReport,
): Promise<void> {
  // Reports come as long as the task runs, past the id's expiry: only its origin is checked.
  const signed = checkCommandId(await deps.commandKey(), identity, report.id) === 'valid';
  const follow = signed ? await deps.store.agents.getFollow(identity.tenantId, report.id) : undefined;
  const token = follow?.clusterId === identity.clusterId ? follow.taskToken : undefined;
  if (!token) {
    await refuse(
      deps,
      identity,
      connectionId,
      report.id,
      'a task report for a task it was never asked to follow',
    );
    return;
  }
  if (report.type === 'taskHeartbeat') {
    // A heartbeat after the end changes nothing; it is not worth an audit entry.
    await deps.callbacks.heartbeat(token);
    return;
  }
  const delivered =
    'error' in report
      ? await deps.callbacks.fail(
          token,
          report.error.name,
          // The Cause a failed Lambda task carries, so the workflow reads both the same way.
          JSON.stringify(toLambdaFailure(reviveError(report.error))),
        )
      : await deps.callbacks.succeed(token, report.result ?? null);
  if (!delivered)
    await refuse(
      deps,
      identity,
      connectionId,
      report.id,
      'a second end of a task whose outcome was already taken',
    );
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
