import { ProxmoxApiClient, type ProxmoxClientOptions, type ProxmoxConnection } from './api-client.ts';
import { transportTimeouts } from './transport.ts';
import { undiciTransport } from './undici-transport.ts';

export type { ProxmoxClientOptions, ProxmoxConnection } from './api-client.ts';

/** The service's Proxmox client: the API client over undici. */
export class ProxmoxClient extends ProxmoxApiClient {
  constructor(connection: ProxmoxConnection, options: ProxmoxClientOptions = {}) {
    super(connection, options, undiciTransport(connection, transportTimeouts(options)));
  }
}
