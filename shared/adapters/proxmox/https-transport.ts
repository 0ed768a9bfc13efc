import { Agent, type AgentOptions, request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ProxmoxConnection } from './api-client.ts';
import { pinnedCertificateConnector } from './tls.ts';
import type { ProxmoxTransport, TransportTimeouts } from './transport.ts';

const timeoutError = (message: string, code: string) => Object.assign(new Error(message), { code });

/**
 * Connections whose certificate must have the pinned fingerprint: the same handshake check as
 * the service's undici connector, so nothing (no token) is sent to a server without the pin.
 */
class PinnedAgent extends Agent {
  readonly #connect: ReturnType<typeof pinnedCertificateConnector>;

  constructor(fingerprint: string, timeoutMs: number, options: AgentOptions) {
    super(options);
    this.#connect = pinnedCertificateConnector(fingerprint, timeoutMs);
  }

  override createConnection(
    options: { host?: string | null; port?: number | string | null; servername?: string | null },
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    this.#connect(
      {
        hostname: options.host ?? 'localhost',
        host: options.host ?? 'localhost',
        protocol: 'https:',
        port: String(options.port ?? 443),
        ...(options.servername ? { servername: options.servername } : {}),
      } as never,
      (error, socket) => callback?.(error, socket as unknown as Duplex),
    );
    return undefined;
  }
}

/**
 * The agent's transport: node:https with keep-alive, for Node 20 (Debian 13's `apt install
 * nodejs`), where undici 8 does not load. Same TLS rules: pinned fingerprint or verified CA.
 */
export function httpsTransport(connection: ProxmoxConnection, timeouts: TransportTimeouts): ProxmoxTransport {
  const url = new URL(connection.url);
  const options: AgentOptions = { keepAlive: true, maxSockets: 8 };
  const agent = connection.fingerprint
    ? new PinnedAgent(connection.fingerprint, timeouts.connectTimeoutMs, options)
    : new Agent({
        ...options,
        rejectUnauthorized: true,
        ...(connection.caCertificate ? { ca: connection.caCertificate } : {}),
      });
  return {
    request: ({ method, path, headers, body }) =>
      new Promise((resolve, reject) => {
        const request = httpsRequest(
          { host: url.hostname, port: Number(url.port) || 443, method, path, headers, agent },
          (response) => {
            const chunks: Buffer[] = [];
            response.setTimeout(timeouts.bodyTimeoutMs, () =>
              response.destroy(timeoutError('body timeout', 'UND_ERR_BODY_TIMEOUT')),
            );
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                reason: response.statusMessage ?? '',
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
          },
        );
        request.setTimeout(timeouts.headersTimeoutMs, () =>
          request.destroy(timeoutError('headers timeout', 'UND_ERR_HEADERS_TIMEOUT')),
        );
        request.on('error', reject);
        request.end(body);
      }),
    close: async () => agent.destroy(),
  };
}
