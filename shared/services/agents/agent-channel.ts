import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { AgentConnection } from '#shared/domain/agent/agent-connection.ts';
import { AgentOfflineError, AgentOutdatedError } from '#shared/domain/agent/agent-errors.ts';
import { type AnswerLatency, MAX_POLL_MS, pollDelayMs } from '#shared/domain/agent/answer-polls.ts';
import type { KnownConnections } from '#shared/domain/agent/known-connections.ts';
import type { CommandMessage } from '#shared/domain/agent/protocol.ts';
import { signCommandId } from '#shared/domain/agent/signed-command-id.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import { reviveError } from '#shared/domain/error-registry.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import type { AgentConnections, AnswerSignal } from '#shared/ports/agent-connections.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { EventPublisher } from '#shared/ports/event-publisher.ts';
import type { IdGenerator } from '#shared/ports/ids.ts';

export interface AgentChannelDeps {
  readonly store: Store;
  readonly connections: AgentConnections;
  readonly answers: AnswerSignal;
  readonly ids: IdGenerator;
  readonly now: Clock;
  readonly events: EventPublisher;
  /** How long a command waits for an agent to take and answer it before it fails offline. */
  readonly offlineAfterMs: number;
  /** How long each cluster's agent has recently taken to answer (per warm instance). */
  readonly latency: AnswerLatency;
  /** The connection each cluster's agent last took a command on (per warm instance). */
  readonly known: KnownConnections;
  /** The key command ids are signed with; the WebSocket function checks answers with it. */
  readonly commandKey: () => Promise<Buffer>;
}

/**
 * How long past the connector's wait a command's id stays valid: the WebSocket function's clock
 * may run a little ahead of the connector's. An answer later than that finds nobody waiting.
 */
const ID_GRACE_MS = 5_000;

/**
 * Runs one command on a cluster through its agent: pushes it, with an id signed for the cluster
 * and the wait's end, to the agent's connection, and waits for the answer, which the WebSocket
 * function records once the id checks out (nothing is written before the command goes out, except
 * a followed task's waiting workflow token). A connection that changes while the command waits
 * (the agent reconnected) gets the same command again: the agent answers a command id it has
 * seen from its memory instead of running it twice. No answer within the bound:
 * {@link AgentOfflineError}, and one `agent.offline` event per offline episode.
 */
export async function sendToAgent(
  deps: AgentChannelDeps,
  cluster: Cluster,
  command: ConnectorCommand,
  options: { taskToken?: string } = {},
): Promise<unknown> {
  const { tenantId } = cluster;
  const deadline = deps.now() + deps.offlineAfterMs;
  const scope = { tenantId, clusterId: cluster.id };
  const id = signCommandId(await deps.commandKey(), scope, deps.ids.next('cmd'), deadline + ID_GRACE_MS);
  const message: CommandMessage = { type: 'command', id, command };
  const readConnection = () => deps.store.agents.getConnection(tenantId, cluster.id);
  let sentOn: string | undefined;
  let sentAt: number | undefined;
  /** Sends the command on `connection` unless it went there already; whether it went out now. */
  const push = async (connection: AgentConnection | undefined): Promise<boolean> => {
    if (!connection?.connectionId || !connection.commands || connection.connectionId === sentOn) return false;
    if (!connection.commands.includes(command.type)) {
      throw new AgentOutdatedError(cluster.name, connection.agentVersion ?? 'unknown', command.type);
    }
    if (!(await deps.connections.send(connection.connectionId, message))) {
      deps.known.forget(connection);
      return false;
    }
    sentOn = connection.connectionId;
    sentAt ??= deps.now();
    deps.known.remember(connection);
    return true;
  };

  // A followed task's workflow token is recorded before the agent can report on it; the connection
  // is read beside it unless the agent's last one is known here.
  const remembered = deps.known.get(tenantId, cluster.id);
  const [, read] = await Promise.all([
    options.taskToken
      ? deps.store.agents.putFollow({
          ...scope,
          id,
          taskToken: options.taskToken,
          createdAt: new Date(deps.now()).toISOString(),
        })
      : undefined,
    remembered ? undefined : readConnection(),
  ]);
  let connection = remembered ?? read;
  // The remembered connection is gone (the agent reconnected, its key was revoked): the table's.
  if (!(await push(connection)) && remembered) {
    connection = await readConnection();
    await push(connection);
  }
  for (let waits = 0; ; waits++) {
    if (deps.now() >= deadline) {
      // One episode per connection of the agent (or none ever): silent or gone, it is reported once.
      const since =
        connection?.offlineSince ??
        (connection?.connectionId
          ? new Date(deadline - deps.offlineAfterMs).toISOString()
          : cluster.createdAt);
      await reportOffline(deps, cluster, connection?.connectedAt ?? 'never', since);
      throw new AgentOfflineError(cluster.name, cluster.id, since);
    }
    // Notified in-process, the answer comes with the wake-up; polled, the table is read when
    // answers of this cluster usually come (an unanswered read costs as much as an answered one).
    const pause = deps.answers.notifies
      ? MAX_POLL_MS
      : pollDelayMs(waits, deps.latency.firstPollMs(cluster.id));
    const answer =
      (await deps.answers.wait(id, Math.min(pause, Math.max(1, deadline - deps.now())))) ??
      (await deps.store.agents.getAnswer(tenantId, id));
    if (answer?.state === 'answered') {
      if (sentAt !== undefined && answer.answeredAt) {
        deps.latency.record(cluster.id, Date.parse(answer.answeredAt) - sentAt);
      }
      if (answer.error) throw reviveError(answer.error);
      const text = answer.pages
        ? await deps.store.agents.pagedResult(tenantId, id)
        : (answer.result ?? 'null');
      return JSON.parse(text) as unknown;
    }
    // Still unanswered: an agent that reconnected meanwhile gets the command again.
    connection = await readConnection();
    await push(connection);
  }
}

/** Publishes `agent.offline` once per episode (an episode: the agent's connection since `episode`, or never connected). */
async function reportOffline(
  deps: AgentChannelDeps,
  cluster: Cluster,
  episode: string,
  offlineSince: string,
): Promise<void> {
  if (!(await deps.store.agents.claimOfflineReport(cluster.tenantId, cluster.id, episode))) return;
  await deps.events.publish([
    domainEvent({
      tenantId: cluster.tenantId,
      type: 'agent.offline',
      subject: `${cluster.id}/${episode}`,
      time: deps.now(),
      data: { clusterId: cluster.id, clusterName: cluster.name, offlineSince },
    }),
  ]);
}
