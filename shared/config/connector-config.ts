import { z } from 'zod';
import type { PlanTable } from '#shared/domain/plans/plan.ts';
import { ENV } from './env-names.ts';
import { parseEnvironment } from './parse-environment.ts';
import { parseDefaultPlan, parsePlanTable } from './plan-config.ts';

const schema = z.object({
  [ENV.tableName]: z.string().min(1),
  [ENV.secretPrefix]: z.string().min(1).default('pve-snapshots/clusters'),
  [ENV.agentConnectionsEndpoint]: z.url().optional(),
  [ENV.agentCommandKeySecretArn]: z.string().min(1).optional(),
  // Below the connector's Proxmox call deadline (25 s, time-budgets.ts), so an agent that does not
  // answer fails as AgentOfflineError, not as the deadline's unreachable error.
  [ENV.agentOfflineAfterSeconds]: z.coerce.number().positive().max(24).default(20),
  [ENV.tenantPlans]: z.string().optional(),
  [ENV.defaultPlan]: z.string().optional(),
});

export interface ConnectorConfig {
  readonly tableName: string;
  readonly secretPrefix: string;
  /** The WebSocket API's management endpoint (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`). */
  readonly agentConnectionsEndpoint?: string;
  /** The secret whose key signs agent command ids (the WebSocket function checks answers with it). */
  readonly agentCommandKeySecretArn?: string;
  /** How long a command waits for an agent; under the connector's 90 s timeout. */
  readonly agentOfflineAfterMs: number;
  /** The plan a run's guest is checked against: the built-in plans with the operator's changes. */
  readonly plans: PlanTable;
  /** The plan a tenant without a profile yet is checked against. */
  readonly defaultPlan: string;
}

/** Parses the connector function's environment once; a bad value throws naming the variable. */
export function loadConnectorConfig(env: Record<string, string | undefined>): ConnectorConfig {
  const values = parseEnvironment(schema, env);
  const endpoint = values[ENV.agentConnectionsEndpoint];
  const commandKey = values[ENV.agentCommandKeySecretArn];
  const plans = parsePlanTable(values[ENV.tenantPlans], ENV.tenantPlans);
  return {
    tableName: values[ENV.tableName],
    secretPrefix: values[ENV.secretPrefix],
    ...(endpoint ? { agentConnectionsEndpoint: endpoint } : {}),
    ...(commandKey ? { agentCommandKeySecretArn: commandKey } : {}),
    agentOfflineAfterMs: values[ENV.agentOfflineAfterSeconds] * 1000,
    plans,
    defaultPlan: parseDefaultPlan(values[ENV.defaultPlan], plans, ENV.defaultPlan),
  };
}
