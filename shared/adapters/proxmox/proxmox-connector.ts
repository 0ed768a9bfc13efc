import type { Cluster } from '#shared/domain/cluster.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import { ProxmoxClient, type ProxmoxClientOptions, type ProxmoxConnection } from './client.ts';
import { connectionTo } from './cluster-connection.ts';

/** How use cases reach Proxmox: the only way in the codebase to get a Proxmox client. */
export interface ProxmoxConnector {
  /** The client of a registered cluster; its secret comes from the secret store. */
  forCluster(cluster: Cluster): Promise<ProxmoxClient>;
  /** A client for connection details that are not stored yet (the caller closes it). */
  connect(connection: ProxmoxConnection): ProxmoxClient;
  close(): Promise<void>;
}

/**
 * Keeps one client (one undici pool) per cluster for the life of the process or warm Lambda
 * container; a changed cluster (new version: URL, token or pin changed) gets a fresh client.
 */
export class CachedProxmoxConnector implements ProxmoxConnector {
  readonly #secrets: SecretStore;
  readonly #options: ProxmoxClientOptions;
  readonly #clients = new Map<string, { version: number; client: Promise<ProxmoxClient> }>();

  constructor(secrets: SecretStore, options: ProxmoxClientOptions = {}) {
    this.#secrets = secrets;
    this.#options = options;
  }

  async forCluster(cluster: Cluster): Promise<ProxmoxClient> {
    const key = `${cluster.tenantId}/${cluster.id}`;
    const cached = this.#clients.get(key);
    if (cached && cached.version === cluster.version) return await cached.client;
    if (cached) void cached.client.then((client) => client.close()).catch(() => undefined);
    const { url, tokenId, secretRef } = cluster;
    if (url === undefined || tokenId === undefined || secretRef === undefined) {
      // An agent cluster: its token is in the tenant's network, never here.
      throw new Error(`cluster ${cluster.id} is reached through its agent, not directly`);
    }
    const client = this.#secrets
      .get(secretRef)
      .then((secret) => this.connect(connectionTo({ ...cluster, url, tokenId }, secret)));
    this.#clients.set(key, { version: cluster.version, client });
    client.catch(() => this.#clients.delete(key));
    return await client;
  }

  connect(connection: ProxmoxConnection): ProxmoxClient {
    return new ProxmoxClient(connection, this.#options);
  }

  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map(async (entry) => (await entry.client.catch(() => undefined))?.close()));
  }
}
