import type { CommandResults, ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import type { ProxmoxGateway } from '#shared/ports/proxmox-gateway.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';

/** Sends commands to one cluster of one tenant, each answered with its own result type. */
export function clusterCaller(proxmox: ProxmoxGateway, tenantId: string, clusterId: string) {
  return async <C extends ConnectorCommand>(command: C): Promise<CommandResults[C['type']]> =>
    await callProxmox(proxmox, { tenantId, clusterId, command });
}
