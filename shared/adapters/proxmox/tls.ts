import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { buildConnector } from 'undici';
import { ProxmoxTlsError } from '#shared/domain/proxmox-errors.ts';

/**
 * A TLS connector that trusts exactly one certificate: the server's SHA-256 fingerprint must
 * equal the pinned one (how Proxmox's own tools trust a self-signed node certificate). The pin
 * is checked on the TLS handshake, before the connection is handed out, so no request byte
 * (and no token) ever reaches a server that does not hold the pinned certificate.
 */
export function pinnedCertificateConnector(fingerprint: string, timeoutMs: number): buildConnector.connector {
  const expected = fingerprint.toUpperCase();
  return (options, callback) => {
    let done = false;
    const finish = (...args: [null, ReturnType<typeof tlsConnect>] | [Error, null]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      callback(...args);
    };
    const socket = tlsConnect({
      host: options.hostname,
      port: Number(options.port) || 443,
      ...(isIP(options.hostname) ? {} : { servername: options.servername ?? options.hostname }),
      // Chain verification is replaced by the pin check below, not skipped.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      // Same code as undici's own connect timeout, so the client knows nothing was sent.
      const error = Object.assign(
        new Error(`TLS connection to ${options.hostname}:${options.port} timed out`),
        {
          code: 'UND_ERR_CONNECT_TIMEOUT',
        },
      );
      socket.destroy(error);
      finish(error, null);
    }, timeoutMs);
    socket.once('secureConnect', () => {
      const actual = socket.getPeerCertificate().fingerprint256?.toUpperCase() ?? '';
      if (actual !== expected) {
        const error = new ProxmoxTlsError(
          `the server certificate's fingerprint ${actual} is not the pinned ${expected}`,
          'certificate fingerprint mismatch',
          expected,
          actual,
        );
        socket.destroy();
        finish(error, null);
        return;
      }
      socket.setNoDelay(true);
      finish(null, socket);
    });
    socket.once('error', (error) => finish(error, null));
  };
}
