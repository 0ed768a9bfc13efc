import { z } from 'zod';
import { ENV } from './env-names.ts';
import { parseEnvironment } from './parse-environment.ts';

const schema = z.object({
  [ENV.tableName]: z.string().min(1),
  [ENV.secretPrefix]: z.string().min(1).default('pve-snapshots/clusters'),
  [ENV.agentConnectionsEndpoint]: z.url().optional(),
  // Below the connector's Proxmox call deadline (25 s, time-budgets.ts), so an agent that does not
  // answer fails as AgentOfflineError, not as the deadline's unreachable error.
  [ENV.agentOfflineAfterSeconds]: z.coerce.number().positive().max(24).default(20),
});

export interface ConnectorConfig {
  readonly tableName: string;
  readonly secretPrefix: string;
  /** The WebSocket API's management endpoint (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`). */
  readonly agentConnectionsEndpoint?: string;
  /** How long a command waits for an agent; under the connector's 90 s timeout. */
  readonly agentOfflineAfterMs: number;
}

/** Parses the connector function's environment once; a bad value throws naming the variable. */
export function loadConnectorConfig(env: Record<string, string | undefined>): ConnectorConfig {
  const values = parseEnvironment(schema, env);
  const endpoint = values[ENV.agentConnectionsEndpoint];
  return {
    tableName: values[ENV.tableName],
    secretPrefix: values[ENV.secretPrefix],
    ...(endpoint ? { agentConnectionsEndpoint: endpoint } : {}),
    agentOfflineAfterMs: values[ENV.agentOfflineAfterSeconds] * 1000,
  };
}
