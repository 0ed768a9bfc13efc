import type { Store } from '#shared/adapters/dynamo/store.ts';
import { AgentOfflineError, AgentOutdatedError } from '#shared/domain/agent/agent-errors.ts';
import type { CommandMessage } from '#shared/domain/agent/protocol.ts';
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
  /** How often the table is read again while waiting. */
  readonly pollMs?: number;
}

/**
 * Runs one command on a cluster through its agent: records the command (with an id), pushes it
 * to the agent's connection, and waits for the answer. A connection that changes while the
 * command waits (the agent reconnected) gets the same command again: the agent answers a
 * command id it has seen from its memory instead of running it twice. No answer within the
 * bound: {@link AgentOfflineError}, and one `agent.offline` event per offline episode.
 */
export async function sendToAgent(
  deps: AgentChannelDeps,
  cluster: Cluster,
  command: ConnectorCommand,
): Promise<unknown> {
  const id = deps.ids.next('cmd');
  const { tenantId } = cluster;
  // The command is recorded while the connection is read: a fresh command has no answer yet,
  // so the first table read after it is the one after the first wait.
  let [, connection] = await Promise.all([
    deps.store.agents.putCommand({
      id,
      tenantId,
      clusterId: cluster.id,
      command,
      createdAt: new Date(deps.now()).toISOString(),
      state: 'pending',
    }),
    deps.store.agents.getConnection(tenantId, cluster.id),
  ]);
  const deadline = deps.now() + deps.offlineAfterMs;
  const message: CommandMessage = { type: 'command', id, command };
  let sentOn: string | undefined;
  for (let waits = 0; ; waits++) {
    if (connection?.connectionId && connection.commands && connection.connectionId !== sentOn) {
      if (!connection.commands.includes(command.type)) {
        throw new AgentOutdatedError(cluster.name, connection.agentVersion ?? 'unknown', command.type);
      }
      if (await deps.connections.send(connection.connectionId, message)) sentOn = connection.connectionId;
    }
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
    await deps.answers.wait(
      id,
      Math.min(pollDelayMs(waits, deps.pollMs), Math.max(1, deadline - deps.now())),
    );
    // The connection is read with the command: an agent that reconnected gets the command again.
    const [record, current] = await Promise.all([
      deps.store.agents.getCommand(tenantId, id),
      deps.store.agents.getConnection(tenantId, cluster.id),
    ]);
    if (record?.state === 'answered') {
      if (record.error) throw reviveError(record.error);
      const text = record.pages
        ? await deps.store.agents.pagedResult(tenantId, id)
        : (record.result ?? 'null');
      return JSON.parse(text) as unknown;
    }
    connection = current;
  }
}

/**
 * How long the n-th wait for an answer lasts when nothing signals it (in AWS the answer comes
 * in another function: the table is polled). Most commands are answered within tens of
 * milliseconds, so the first looks come soon and later ones back off to the poll interval.
 */
function pollDelayMs(waits: number, maxMs = 200): number {
  return Math.min(maxMs, 10 * 2 ** Math.min(waits, 10));
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
