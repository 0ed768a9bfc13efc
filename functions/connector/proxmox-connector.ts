import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { CachedProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { loadConnectorConfig } from '#shared/config/connector-config.ts';
import { runConnectorCommand } from '#shared/services/connector-commands.ts';

// Composition root of the connector: the only function that talks to Proxmox. Clients (one
// undici pool per cluster) live as long as the warm container.
const config = loadConnectorConfig(process.env);
const secrets = new SecretsManagerStore(new SecretsManagerClient({}), config.secretPrefix);
const deps = {
  store: createStore({ doc: createDocumentClient(), tableName: config.tableName }),
  proxmox: new CachedProxmoxConnector(secrets),
};

/** Invoked by the workflows (`lambda:invoke`) with `{ tenantId, clusterId, command }`. */
export const handler = (event: unknown) => runConnectorCommand(deps, event);
