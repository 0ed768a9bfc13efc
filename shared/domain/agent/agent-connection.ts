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

/**
 * An agent's answer to one command, written by the WebSocket function when it comes (a command
 * sent has no record: its signed id is its proof, see signed-command-id.ts). `pending` only while
 * the pages of a paged answer come in.
 */
export interface AgentAnswerRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly clusterId: string;
  readonly state: 'pending' | 'answered';
  /** The answer: the result as JSON text (assembled from its pages), or the error. */
  readonly result?: string;
  readonly error?: SerializedError;
  /** For a paged answer: how many pages make the result. */
  readonly pages?: number;
  /** When the answer was stored (the WebSocket function's clock): how long agents take to answer. */
  readonly answeredAt?: string;
}

/**
 * A `followTask` command's waiting workflow task, recorded before the command goes out. The token
 * stays here: the agent reports by command id, so it never holds a token it could replay against
 * another tenant's workflow.
 */
export interface FollowedTask {
  readonly id: string;
  readonly tenantId: string;
  readonly clusterId: string;
  readonly taskToken: string;
  readonly createdAt: string;
}
