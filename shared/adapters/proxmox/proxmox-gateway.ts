import type { ConnectorRequest } from '#shared/services/connector-commands.ts';

/**
 * How the API reaches Proxmox: by sending one connector request. In AWS the request goes to
 * the connector function (the only code that talks to Proxmox); in the local runtime the same
 * connector code runs in-process. Either way the same typed errors come back.
 */
export interface ProxmoxGateway {
  call(request: ConnectorRequest): Promise<unknown>;
}
