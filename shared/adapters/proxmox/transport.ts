import type { ProxmoxClientOptions } from './api-client.ts';

/** One HTTP exchange with Proxmox, as the client needs it: status, reason phrase and body text. */
interface ProxmoxResponse {
  readonly status: number;
  /** The reason phrase: servers before PVE 8.4 put the error text only there. */
  readonly reason: string;
  readonly text: string;
}

/**
 * How the client's requests reach Proxmox over TLS, pinned or verified. Failures are thrown with
 * Node's or undici's error `code` (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, ...), which the client
 * reads to decide what is safe to retry.
 */
export interface ProxmoxTransport {
  request(request: {
    readonly method: string;
    readonly path: string;
    readonly headers: Record<string, string>;
    readonly body?: string;
  }): Promise<ProxmoxResponse>;
  close(): Promise<void>;
}

export interface TransportTimeouts {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

export const transportTimeouts = (options: ProxmoxClientOptions): TransportTimeouts => ({
  connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
  headersTimeoutMs: options.headersTimeoutMs ?? 60_000,
  bodyTimeoutMs: options.bodyTimeoutMs ?? 60_000,
});
