import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { ENV } from '#shared/config/env-names.ts';
import { authorizeAgentKey } from '#shared/services/agents/agent-gateway.ts';

const store = createStore({ doc: createDocumentClient(), tableName: process.env[ENV.tableName] ?? '' });

interface ConnectRequest {
  readonly methodArn: string;
  readonly headers?: Record<string, string | undefined>;
}

/**
 * The WebSocket API's `$connect` REQUEST authorizer: the agent key (Authorization header) must
 * be valid and unrevoked. Its tenant, cluster and key id become the connection's context, which
 * API Gateway hands to every later route of the connection.
 */
export const handler = async (event: ConnectRequest) => {
  const header = event.headers?.Authorization ?? event.headers?.authorization;
  const identity = await authorizeAgentKey(store, header);
  // API Gateway answers 401 for this exact message.
  if (!identity) throw new Error('Unauthorized');
  return {
    principalId: `agent:${identity.keyId}`,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { ...identity },
  };
};
