import type { ConnectorRequest, ConnectorResult } from '#shared/domain/proxmox/commands.ts';

/**
 * How the API reaches Proxmox: by sending one connector request. In AWS the request goes to
 * the connector function (the only code that talks to Proxmox); in the local runtime the same
 * connector code runs in-process. Either way the same typed errors come back. Callers use
 * {@link callProxmox}, which gives each command its result type.
 */
export interface ProxmoxGateway {
  call(request: ConnectorRequest): Promise<unknown>;
}

/**
 * Sends a request through a gateway, typed by the contract: the answer is the command's result
 * type (`CommandResults`), the one place where the untyped transport meets the typed contract.
 */
export async function callProxmox<R extends ConnectorRequest>(
  gateway: ProxmoxGateway,
  request: R,
): Promise<ConnectorResult<R>> {
  return (await gateway.call(request)) as ConnectorResult<R>;
}
