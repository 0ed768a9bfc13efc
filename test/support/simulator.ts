import { ProxmoxClient, type ProxmoxClientOptions } from '#shared/adapters/proxmox/client.ts';
import { demoClusterState, type SimState } from '#shared/local/proxmox-simulator/model.ts';
import {
  type SimulatorServer,
  type SimulatorServerOptions,
  startSimulatorServer,
} from '#shared/local/proxmox-simulator/server.ts';
import { ProxmoxSimulator, type SimulatorOptions } from '#shared/local/proxmox-simulator/simulator.ts';

export const TOKEN_ID = 'snapshots@pve!service';
export const TOKEN_SECRET = '6f1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';

export interface TestSimulator {
  readonly sim: ProxmoxSimulator;
  readonly server: SimulatorServer;
  /** The API tokens the simulated cluster accepts (token id to secret); change it to rotate. */
  readonly tokens: Record<string, string>;
  client(
    options?: ProxmoxClientOptions & { secret?: string; fingerprint?: string; tokenId?: string },
  ): ProxmoxClient;
  close(): Promise<void>;
}

/** The demo cluster over HTTPS with fast tasks (time factor 0.01) and a short 401 delay. */
export async function startTestSimulator(
  options: { state?: SimState; simulator?: SimulatorOptions; server?: Partial<SimulatorServerOptions> } = {},
): Promise<TestSimulator> {
  const sim = new ProxmoxSimulator(options.state ?? demoClusterState(), {
    timeFactor: 0.01,
    ...options.simulator,
  });
  const tokens: Record<string, string> = {
    [TOKEN_ID]: TOKEN_SECRET,
    'audit@pve!readonly': 'readonly-secret',
  };
  const server = await startSimulatorServer({
    simulator: sim,
    tokens,
    deniedPrivileges: {
      'audit@pve!readonly': ['VM.Snapshot', 'VM.Snapshot.Rollback', 'VM.Backup', 'VM.Clone', 'VM.Allocate'],
    },
    authFailureDelayMs: 20,
    ...options.server,
  });
  const clients: ProxmoxClient[] = [];
  return {
    sim,
    server,
    tokens,
    client: (clientOptions = {}) => {
      const client = new ProxmoxClient(
        {
          url: server.url,
          tokenId: clientOptions.tokenId ?? TOKEN_ID,
          secret: clientOptions.secret ?? TOKEN_SECRET,
          fingerprint: clientOptions.fingerprint ?? server.fingerprint(),
        },
        { retryBaseMs: 5, ...clientOptions },
      );
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.close()));
      await server.close();
    },
  };
}
