import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { AwsEventPublisher } from '#shared/adapters/notifications/aws-event-publisher.ts';
import { LambdaProxmoxGateway } from '#shared/adapters/proxmox/lambda-gateway.ts';
import { loadWorkflowConfig } from '#shared/config/workflow-config.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import { createTelemetry, type Telemetry } from '#shared/observability/telemetry.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';

/** A port this step is not wired to: using it fails at once, naming the declaration to add. */
function notWired(what: string): never {
  throw new Error(
    `${what} is not wired to this step function: declare it in infra/constructs/workflow-steps.ts`,
  );
}

/** No step reads secrets (the connector reads the cluster tokens itself). */
const noSecrets: SecretStore = {
  put: async () => notWired('the secret store'),
  get: async () => notWired('the secret store'),
  delete: async () => notWired('the secret store'),
};

/**
 * The composition root shared by the workflow step functions: built once per cold start, from
 * what the step's environment names (the connector and the event targets only where declared).
 */
export function workflowDeps(): ServiceDeps {
  const config = loadWorkflowConfig(process.env);
  const { connectorFunctionName, events } = config;
  return {
    store: createStore({ doc: createDocumentClient(), tableName: config.tableName }),
    secrets: noSecrets,
    proxmox: connectorFunctionName
      ? new LambdaProxmoxGateway(new LambdaClient({}), connectorFunctionName)
      : { call: async () => notWired('the connector') },
    ids: createUlidGenerator(),
    now: Date.now,
    events: events
      ? new AwsEventPublisher(new SNSClient({}), new EventBridgeClient({}), events)
      : { publish: async () => notWired('event publishing') },
  };
}

/** Logger, metrics and tracer of one step function (service name `pve-snapshots-<step>`). */
export function stepTelemetry(step: string): Telemetry {
  return createTelemetry(`pve-snapshots-${step}`);
}
