import { ProxmoxApiClient } from '#shared/adapters/proxmox/api-client.ts';
import { httpsTransport } from '#shared/adapters/proxmox/https-transport.ts';
import { transportTimeouts } from '#shared/adapters/proxmox/transport.ts';
import { COMMAND_TYPES } from '#shared/domain/proxmox/commands.ts';
import type { Caller, TestApi } from '#test/support/api.ts';
import { TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';
import { type AgentLog, ProxmoxAgent } from '../../agent/agent.ts';

/** An agent cluster of the caller's tenant with one key. */
export async function agentCluster(
  admin: Caller,
  name: string,
): Promise<{ clusterId: string; key: string; keyId: string }> {
  const cluster = await admin.post('/v1/clusters', { name, connection: 'agent' });
  if (cluster.status !== 201) throw new Error(`register: ${cluster.status} ${cluster.text}`);
  const key = await admin.post(`/v1/clusters/${cluster.body.id}/agent-keys`, { name: 'first' });
  if (key.status !== 201) throw new Error(`key: ${key.status} ${key.text}`);
  return { clusterId: cluster.body.id, key: key.body.key, keyId: key.body.id };
}

export interface TestAgent {
  readonly agent: ProxmoxAgent;
  readonly lines: string[];
  /** Commands run against Proxmox, by command id. */
  readonly executed: Map<string, number>;
  stop(): Promise<void>;
}

/** An agent in this process, over a real WebSocket to the test API, running against the test simulator. */
export async function startAgent(
  api: TestApi,
  key: string,
  options: {
    commands?: readonly string[];
    version?: string;
    start?: boolean;
    pingMs?: number;
    maxConnectionMs?: number;
    /** Called after each command ran against Proxmox (tests kill or drop the agent there). */
    onExecuted?: (id: string, count: number) => void;
  } = {},
): Promise<TestAgent> {
  const lines: string[] = [];
  const log: AgentLog = (level, message, fields) => {
    lines.push(JSON.stringify({ level, message, ...fields }));
  };
  const connection = {
    url: api.simulator.server.url,
    tokenId: TOKEN_ID,
    secret: TOKEN_SECRET,
    fingerprint: api.simulator.server.fingerprint(),
  };
  const client = new ProxmoxApiClient(connection, {}, httpsTransport(connection, transportTimeouts({})));
  const executed = new Map<string, number>();
  const agent = new ProxmoxAgent({
    serviceUrl: api.runtime.agentUrl,
    key,
    client,
    version: options.version ?? '1.0.0',
    commands: options.commands ?? COMMAND_TYPES,
    log: (level, message, fields) => {
      if (message === 'command done' || message === 'command failed') {
        const id = String(fields?.id);
        executed.set(id, (executed.get(id) ?? 0) + 1);
        options.onExecuted?.(id, executed.size);
      }
      log(level, message, fields);
    },
    backoffMs: 50,
    maxBackoffMs: 200,
    ...(options.pingMs !== undefined ? { pingMs: options.pingMs } : {}),
    ...(options.maxConnectionMs !== undefined ? { maxConnectionMs: options.maxConnectionMs } : {}),
  });
  if (options.start !== false) await agent.start();
  return {
    agent,
    lines,
    executed,
    stop: async () => {
      await agent.stop();
      await client.close();
    },
  };
}

/** Waits until the service has what the agent announced on its connection. */
export async function announced(api: TestApi, tenantId: string, clusterId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const connection = await api.runtime.store.agents.getConnection(tenantId, clusterId);
    if (connection?.connectionId && connection.commands) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the agent never announced itself');
}
