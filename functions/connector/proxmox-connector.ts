import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { CachedProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { loadConnectorConfig } from '#shared/config/connector-config.ts';
import { toWireFailure } from '#shared/domain/error-registry.ts';
import { runConnectorCommand } from '#shared/services/connector-commands.ts';

// Composition root of the connector: the only function that talks to Proxmox. Clients (one
// undici pool per cluster) live as long as the warm container.
const config = loadConnectorConfig(process.env);
const secrets = new SecretsManagerStore(new SecretsManagerClient({}), config.secretPrefix);
const deps = {
  store: createStore({ doc: createDocumentClient(), tableName: config.tableName }),
  proxmox: new CachedProxmoxConnector(secrets),
};

/**
 * Invoked by the workflows (`lambda:invoke`) and the API with `{ tenantId, clusterId, command }`
 * or `{ probe }`. A failure keeps its name (Step Functions matches it in Retry/Catch) and carries
 * its fields as JSON in the message, so the API can rebuild the same typed error.
 */
export const handler = async (event: unknown) => {
  try {
    return await runConnectorCommand(deps, event);
  } catch (error) {
    throw toWireFailure(error);
  }
};
