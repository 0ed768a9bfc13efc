import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ApiGatewayAgentConnections } from '#shared/adapters/agent/api-gateway-connections.ts';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { lazyServiceKey } from '#shared/adapters/secrets/service-key.ts';
import { SfnTaskCallbacks } from '#shared/adapters/sfn/sfn-task-callbacks.ts';
import { ENV } from '#shared/config/env-names.ts';
import { RecentKeyChecks } from '#shared/domain/agent/key-checks.ts';
import { AGENT_MESSAGE_LIMITS, MessageRateLimiter } from '#shared/domain/agent/message-rate.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import { pollingAnswers } from '#shared/ports/agent-connections.ts';
import {
  type AgentIdentity,
  agentConnected,
  agentDisconnected,
  agentMessage,
} from '#shared/services/agents/agent-gateway.ts';

const deps = {
  store: createStore({ doc: createDocumentClient(), tableName: process.env[ENV.tableName] ?? '' }),
  // Reads the one key by its ARN (the store's name prefix is for secrets it creates: none here).
  commandKey: lazyServiceKey(
    new SecretsManagerStore(new SecretsManagerClient({}), ''),
    process.env[ENV.agentCommandKeySecretArn] ?? '',
  ),
  connections: new ApiGatewayAgentConnections(
    new ApiGatewayManagementApiClient({ endpoint: process.env[ENV.agentConnectionsEndpoint] ?? '' }),
  ),
  answers: pollingAnswers,
  ids: createUlidGenerator(),
  now: Date.now,
  // Per warm instance: a connection's messages may spread over instances; the stage throttle bounds the rest.
  rate: new MessageRateLimiter(AGENT_MESSAGE_LIMITS, Date.now),
  callbacks: new SfnTaskCallbacks(new SFNClient({})),
  keyChecks: new RecentKeyChecks(Date.now),
};

interface WebSocketEvent {
  readonly body?: string;
  readonly requestContext: {
    readonly routeKey: string;
    readonly connectionId: string;
    readonly authorizer?: Record<string, string | undefined>;
  };
}

/** `$connect`, `$disconnect` and `$default` of the agents' WebSocket API: the same route code as locally. */
export const handler = async (event: WebSocketEvent) => {
  const { routeKey, connectionId, authorizer } = event.requestContext;
  const identity: AgentIdentity = {
    tenantId: authorizer?.tenantId ?? '',
    clusterId: authorizer?.clusterId ?? '',
    keyId: authorizer?.keyId ?? '',
  };
  if (!identity.tenantId || !identity.clusterId) return { statusCode: 401 };
  if (routeKey === '$connect') await agentConnected(deps, identity, connectionId);
  else if (routeKey === '$disconnect') await agentDisconnected(deps, identity, connectionId);
  else await agentMessage(deps, identity, connectionId, event.body ?? '');
  return { statusCode: 200 };
};
