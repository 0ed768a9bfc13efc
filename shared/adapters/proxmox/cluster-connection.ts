import type { Cluster } from '#shared/domain/cluster.ts';
import type { ProxmoxConnection } from './client.ts';

/**
 * Where and how a cluster is reached: its stored details (or ones about to be stored) and its
 * secret. A module of its own, apart from the client, so the API bundle (which only describes
 * connections for the connector to probe) does not pull in undici.
 */
export function connectionTo(
  endpoint: Pick<Cluster, 'fingerprint' | 'caCertificate'> & {
    readonly url: string;
    readonly tokenId: string;
  },
  secret: string,
): ProxmoxConnection {
  return {
    url: endpoint.url,
    tokenId: endpoint.tokenId,
    secret,
    ...(endpoint.fingerprint ? { fingerprint: endpoint.fingerprint } : {}),
    ...(endpoint.caCertificate ? { caCertificate: endpoint.caCertificate } : {}),
  };
}
