import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { reviveError, type SerializedError } from '#shared/domain/error-registry.ts';
import type { ConnectorRequest, ProxmoxGateway } from '#shared/ports/proxmox-gateway.ts';

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
    if (result.FunctionError) {
      const failure = payload as { errorType?: string; errorMessage?: string };
      // The connector puts the error's fields into its message as JSON (see the connector entry).
      let serialized: SerializedError = {
        name: failure.errorType ?? 'Error',
        message: failure.errorMessage ?? 'connector failed',
      };
      try {
        const parsed = JSON.parse(failure.errorMessage ?? '') as SerializedError;
        if (parsed && typeof parsed.name === 'string') serialized = parsed;
      } catch {
        // a plain message: keep it
      }
      throw reviveError(serialized);
    }
    return payload;
  }
}
