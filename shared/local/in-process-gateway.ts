import type { ConnectorRequest } from '#shared/domain/proxmox/commands.ts';
import type { ProxmoxGateway } from '#shared/ports/proxmox-gateway.ts';
import { type ConnectorDeps, runConnectorCommand } from '#shared/services/connector-commands.ts';

/** The local runtime's gateway: runs the connector's own code in this process. */
export class InProcessProxmoxGateway implements ProxmoxGateway {
  readonly #deps: ConnectorDeps;

  constructor(deps: ConnectorDeps) {
    this.#deps = deps;
  }

  call(request: ConnectorRequest): Promise<unknown> {
    return runConnectorCommand(this.#deps, request);
  }
}
