import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProxmoxApiClient } from '#shared/adapters/proxmox/api-client.ts';
import { httpsTransport } from '#shared/adapters/proxmox/https-transport.ts';
import { transportTimeouts } from '#shared/adapters/proxmox/transport.ts';
import { parseAgentKey } from '#shared/domain/agent/agent-key.ts';
import { COMMAND_TYPES } from '#shared/domain/proxmox/commands.ts';
import { createAgentKey, revokeAgentKey } from '#shared/services/agents/agent-keys.ts';
import { registerCluster } from '#shared/services/clusters.ts';
import { syncClusterInventory } from '#shared/services/inventory.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import { ProxmoxAgent } from '../../agent/agent.ts';

const DEMO_TENANT = 'demo';
const DEMO_CLUSTER = 'lab';
const context = {
  principal: { tenantId: DEMO_TENANT, subject: 'system:demo-seed', role: 'admin' as const },
  requestId: 'demo-seed',
};

export interface DemoAgentOptions {
  /** Where the local agent's key is kept between starts (the data folder's keys). */
  readonly keyFile: string;
  readonly agentUrl: string;
  readonly proxmox: {
    readonly url: string;
    readonly tokenId: string;
    readonly secret: string;
    readonly fingerprint?: string;
  };
  readonly log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * `npm start`'s default: the `demo` tenant's `lab` cluster is an agent cluster, served by an
 * agent run in this process exactly as a tenant runs it (the same agent code, over a real
 * WebSocket to the local gateway, holding the simulator's token). Its key is kept under the data
 * folder so a restart reconnects with it.
 */
export async function startDemoAgent(
  deps: ServiceDeps,
  options: DemoAgentOptions,
): Promise<{ clusterId: string; stop(): Promise<void> }> {
  await deps.store.tenants.ensure(DEMO_TENANT);
  const existing = (await deps.store.clusters.list(DEMO_TENANT, { limit: 200 })).items.find(
    (cluster) => cluster.name.toLowerCase() === DEMO_CLUSTER,
  );
  const cluster =
    existing ?? (await registerCluster(deps, context, { name: DEMO_CLUSTER, connection: 'agent' }));
  if (cluster.connection !== 'agent') {
    throw new Error(
      'the demo cluster lab of this data folder is a direct cluster (set DEMO_CLUSTER_CONNECTION=direct)',
    );
  }
  const key = await demoKey(deps, cluster.id, options.keyFile);
  const client = new ProxmoxApiClient(
    options.proxmox,
    {},
    httpsTransport(options.proxmox, transportTimeouts({})),
  );
  const agent = new ProxmoxAgent({
    serviceUrl: options.agentUrl,
    key,
    client,
    version: '1.0.0',
    commands: COMMAND_TYPES,
    // `level` is the logger's own key: the agent's level travels as `agentLevel`.
    log: (level, message, fields = {}) => options.log(`agent: ${message}`, { agentLevel: level, ...fields }),
  });
  await agent.start();
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await deps.store.agents.getConnection(DEMO_TENANT, cluster.id))?.commands) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await syncClusterInventory(deps, context, cluster.id, { backups: true });
  return {
    clusterId: cluster.id,
    stop: async () => {
      await agent.stop();
      await client.close();
    },
  };
}

/** The key the local agent used before, while it is valid; else a new one (the oldest revoked if two are valid). */
async function demoKey(deps: ServiceDeps, clusterId: string, file: string): Promise<string> {
  const saved = await readFile(file, 'utf8').catch(() => undefined);
  const parsed = saved ? parseAgentKey(saved) : undefined;
  const keys = await deps.store.agents.listKeys(DEMO_TENANT, clusterId);
  if (saved && parsed && keys.some((key) => key.id === parsed.keyId && !key.revokedAt)) return saved.trim();
  const active = keys.filter((key) => !key.revokedAt);
  if (active.length >= 2 && active[0]) await revokeAgentKey(deps, context, clusterId, active[0].id);
  const { secret } = await createAgentKey(deps, context, clusterId, { name: 'local agent (npm start)' });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export const demoAgentKeyFile = (keysFolder: string) => join(keysFolder, 'demo-agent.key');
