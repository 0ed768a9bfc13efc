import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { fromLambdaFailure, type LambdaFailure, reviveError } from '#shared/domain/error-registry.ts';
import type { ConnectorRequest } from '#shared/domain/proxmox/commands.ts';
import type { ProxmoxGateway } from '#shared/ports/proxmox-gateway.ts';

/**
 * The API's gateway in AWS: invokes the connector function synchronously. A failed invocation
 * comes back as the connector's error (`errorType` = the error's name); it is rebuilt as the
 * same typed error, so the API answers exactly as in the local runtime.
 */
export class LambdaProxmoxGateway implements ProxmoxGateway {
  readonly #client: LambdaClient;
  readonly #functionName: string;

  constructor(client: LambdaClient, functionName: string) {
    this.#client = client;
    this.#functionName = functionName;
  }

  async call(request: ConnectorRequest): Promise<unknown> {
    const result = await this.#client.send(
      new InvokeCommand({
        FunctionName: this.#functionName,
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    const text = result.Payload ? new TextDecoder().decode(result.Payload) : 'null';
    const payload = JSON.parse(text) as unknown;
    if (result.FunctionError) throw reviveError(fromLambdaFailure(payload as LambdaFailure));
    return payload;
  }
}
