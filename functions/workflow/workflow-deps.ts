import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { AwsEventPublisher } from '#shared/adapters/notifications/aws-event-publisher.ts';
import { LambdaProxmoxGateway } from '#shared/adapters/proxmox/lambda-gateway.ts';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { loadEventTargets } from '#shared/config/event-config.ts';
import { loadWorkflowConfig } from '#shared/config/workflow-config.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import { createTelemetry, type Telemetry } from '#shared/observability/telemetry.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';

/** The composition root shared by the policy-run step functions: built once per cold start. */
export function workflowDeps(): ServiceDeps {
  const config = loadWorkflowConfig(process.env);
  return {
    store: createStore({ doc: createDocumentClient(), tableName: config.tableName }),
    secrets: new SecretsManagerStore(new SecretsManagerClient({}), config.secretPrefix),
    proxmox: new LambdaProxmoxGateway(new LambdaClient({}), config.connectorFunctionName),
    ids: createUlidGenerator(),
    now: Date.now,
    events: new AwsEventPublisher(
      new SNSClient({}),
      new EventBridgeClient({}),
      loadEventTargets(process.env),
    ),
  };
}

/** Logger, metrics and tracer of one step function (service name `pve-snapshots-<step>`). */
export function stepTelemetry(step: string): Telemetry {
  return createTelemetry(`pve-snapshots-${step}`);
}
