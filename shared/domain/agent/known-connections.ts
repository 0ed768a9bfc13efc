import { BoundedCache } from '../bounded-cache.ts';
import type { AgentConnection } from './agent-connection.ts';

/** Clusters remembered (one warm connector instance); the least recently used one goes first. */
const CLUSTERS = 500;

const keyOf = (connection: { tenantId: string; clusterId: string }) =>
  `${connection.tenantId}/${connection.clusterId}`;

/**
 * The connection each cluster's agent last took a command on, per warm instance, so a command
 * goes out without reading the connection first. Safe to be stale: a connection stays bound to
 * its cluster's key for its life, and one that was replaced, dropped or closed for a revoked key
 * refuses the push (gone), which forgets it and sends the caller to the table.
 */
export class KnownConnections {
  readonly #connections = new BoundedCache<string, AgentConnection>(CLUSTERS);

  get(tenantId: string, clusterId: string): AgentConnection | undefined {
    return this.#connections.get(keyOf({ tenantId, clusterId }));
  }

  /** A connection that just took a command (it has announced what it runs). */
  remember(connection: AgentConnection): void {
    this.#connections.set(keyOf(connection), connection);
  }

  /** A connection that refused a push: forgotten, unless another one replaced it here already. */
  forget(connection: AgentConnection): void {
    const key = keyOf(connection);
    if (this.#connections.get(key)?.connectionId === connection.connectionId) this.#connections.delete(key);
  }
}
