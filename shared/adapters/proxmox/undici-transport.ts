import { Agent, type Dispatcher } from 'undici';
import type { ProxmoxConnection } from './api-client.ts';
import { pinnedCertificateConnector } from './tls.ts';
import type { ProxmoxTransport, TransportTimeouts } from './transport.ts';

/** The service's transport: one undici pool per cluster, pinned or CA-verified TLS. */
export function undiciTransport(
  connection: ProxmoxConnection,
  timeouts: TransportTimeouts,
): ProxmoxTransport {
  const origin = new URL(connection.url).origin;
  const connect = connection.fingerprint
    ? pinnedCertificateConnector(connection.fingerprint, timeouts.connectTimeoutMs)
    : {
        timeout: timeouts.connectTimeoutMs,
        rejectUnauthorized: true,
        ...(connection.caCertificate ? { ca: connection.caCertificate } : {}),
      };
  const dispatcher = new Agent({
    connect,
    connections: 8,
    headersTimeout: timeouts.headersTimeoutMs,
    bodyTimeout: timeouts.bodyTimeoutMs,
    keepAliveTimeout: 30_000,
  });
  return {
    async request({ method, path, headers, body }) {
      const response = await dispatcher.request({
        origin,
        method: method as Dispatcher.HttpMethod,
        path,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      return {
        status: response.statusCode,
        reason: response.statusText ?? '',
        text: await response.body.text(),
      };
    },
    close: () => dispatcher.close(),
  };
}
