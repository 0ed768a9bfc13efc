import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import type { SerializedError } from '../error-registry.ts';

/** The connection of a cluster's agent, as the service knows it (one per cluster at a time). */
export interface AgentConnection {
  readonly tenantId: string;
  readonly clusterId: string;
  /** Set while connected; absent once the agent went away. */
  readonly connectionId?: string;
  readonly keyId: string;
  readonly connectedAt: string;
  /** What the agent announced after connecting; absent until it did. */
  readonly agentVersion?: string;
  readonly commands?: readonly string[];
  /** When the agent went away (absent while connected). */
  readonly offlineSince?: string;
  /** The offline episode an `agent.offline` event was published for (its `offlineSince`). */
  readonly offlineReported?: string;
}

/** One command sent to an agent and, once it came, its answer. */
export interface AgentCommandRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly clusterId: string;
  readonly command: ConnectorCommand;
  readonly createdAt: string;
  readonly state: 'pending' | 'answered';
  /** The answer: the result as JSON text (assembled from its pages), or the error. */
  readonly result?: string;
  readonly error?: SerializedError;
  /** For a paged answer: how many pages make the result. */
  readonly pages?: number;
}
