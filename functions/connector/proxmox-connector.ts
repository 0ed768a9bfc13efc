import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { ApiGatewayAgentConnections } from '#shared/adapters/agent/api-gateway-connections.ts';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { AwsEventPublisher } from '#shared/adapters/notifications/aws-event-publisher.ts';
import { CachedProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { lazyServiceKey } from '#shared/adapters/secrets/service-key.ts';
import { loadConnectorConfig } from '#shared/config/connector-config.ts';
import { loadEventTargets } from '#shared/config/event-config.ts';
import { PROXMOX_CALL_DEADLINE_MS } from '#shared/config/time-budgets.ts';
import { AnswerLatency } from '#shared/domain/agent/answer-polls.ts';
import { KnownConnections } from '#shared/domain/agent/known-connections.ts';
import { toWireFailure } from '#shared/domain/error-registry.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import { instrument } from '#shared/observability/instrument.ts';
import { createTelemetry } from '#shared/observability/telemetry.ts';
import { pollingAnswers } from '#shared/ports/agent-connections.ts';
import { withinProxmoxDeadline } from '#shared/services/call-deadline.ts';
import { runConnectorCommand } from '#shared/services/connector-commands.ts';

// Composition root of the connector: the only function that talks to Proxmox. Clients (one
// undici pool per cluster) live as long as the warm container.
const config = loadConnectorConfig(process.env);
const secrets = new SecretsManagerStore(new SecretsManagerClient({}), config.secretPrefix);
const deps = {
  store: createStore({ doc: createDocumentClient(), tableName: config.tableName }),
  proxmox: new CachedProxmoxConnector(secrets),
  plans: config.plans,
  defaultPlan: config.defaultPlan,
  ids: createUlidGenerator(),
  now: Date.now,
  // Agent clusters: commands are pushed to the agent's WebSocket connection with signed ids; the
  // answer arrives in the WebSocket function, which checks the id, and is read back from the table.
  ...(config.agentConnectionsEndpoint && config.agentCommandKeySecretArn
    ? {
        agents: {
          connections: new ApiGatewayAgentConnections(
            new ApiGatewayManagementApiClient({ endpoint: config.agentConnectionsEndpoint }),
          ),
          answers: pollingAnswers,
          ids: createUlidGenerator(),
          now: Date.now,
          events: new AwsEventPublisher(
            new SNSClient({}),
            new EventBridgeClient({}),
            loadEventTargets(process.env),
          ),
          offlineAfterMs: config.agentOfflineAfterMs,
          latency: new AnswerLatency(),
          known: new KnownConnections(),
          commandKey: lazyServiceKey(secrets, config.agentCommandKeySecretArn),
        },
      }
    : {}),
};

/**
 * Invoked by the workflows (`lambda:invoke`) and the API with `{ tenantId, clusterId, command }`
 * or `{ probe }`. A failure keeps its name (Step Functions matches it in Retry/Catch) and carries
 * its fields as JSON in the message, so the API can rebuild the same typed error.
 */
const run = instrument(createTelemetry('pve-snapshots-connector'), 'connector', (event: unknown) =>
  // Answers before the function's timeout, and so before any caller's (time-budgets.ts).
  withinProxmoxDeadline(runConnectorCommand(deps, event), PROXMOX_CALL_DEADLINE_MS),
);

export const handler = async (event: unknown) => {
  try {
    return await run(event);
  } catch (error) {
    throw toWireFailure(error);
  }
};
