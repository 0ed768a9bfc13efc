import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { ApiGatewayAgentConnections } from '#shared/adapters/agent/api-gateway-connections.ts';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { AwsEventPublisher } from '#shared/adapters/notifications/aws-event-publisher.ts';
import { LambdaProxmoxGateway } from '#shared/adapters/proxmox/lambda-gateway.ts';
import { EventBridgePolicyScheduler } from '#shared/adapters/scheduler/eventbridge-policy-scheduler.ts';
import { EventBridgeRestoreTestScheduler } from '#shared/adapters/scheduler/eventbridge-restore-test-scheduler.ts';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { lazyServiceKey } from '#shared/adapters/secrets/service-key.ts';
import { SfnTaskCallbacks } from '#shared/adapters/sfn/sfn-task-callbacks.ts';
import { SfnWorkflowStarter } from '#shared/adapters/sfn/sfn-workflow-starter.ts';
import { createApiHandler } from '#shared/api/lambda.ts';
import { parseTenantPlans } from '#shared/api/settings/tenant-plans.ts';
import { loadApiConfig } from '#shared/config/api-config.ts';
import { ENV } from '#shared/config/env-names.ts';
import { loadEventTargets } from '#shared/config/event-config.ts';
import { parseDefaultPlan, parsePlanTable } from '#shared/config/plan-config.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';

// Composition root of the API function: built once per cold start.
const config = loadApiConfig(process.env);
// Checked at cold start: a default plan no plan has stops the function naming DEFAULT_PLAN.
const plans = parsePlanTable(config.tenantPlans, ENV.tenantPlans);
const logger = new Logger({ serviceName: 'pve-snapshots-api' });
const secrets = new SecretsManagerStore(new SecretsManagerClient({}), config.secretPrefix);
const cursorKey = createHash('sha256')
  .update(await secrets.get(config.cursorKeySecretArn))
  .digest();

export const handler = createApiHandler({
  store: createStore({
    doc: createDocumentClient(),
    tableName: config.tableName,
    cursorKey,
    auditRetentionDays: config.auditRetentionDays,
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
  }),
  secrets,
  webhookSecrets: new SecretsManagerStore(new SecretsManagerClient({}), config.webhookSecretPrefix),
  proxmox: new LambdaProxmoxGateway(new LambdaClient({}), config.connectorFunctionName),
  workflows: new SfnWorkflowStarter(new SFNClient({}), {
    policyRun: config.policyRunStateMachineArn,
    operation: config.operationStateMachineArn,
    restoreTest: config.restoreTestStateMachineArn,
  }),
  restoreTestSchedules: new EventBridgeRestoreTestScheduler(new SchedulerClient({}), {
    groupName: config.scheduleGroupName,
    targetArn: config.restoreTestStateMachineArn,
    roleArn: config.schedulerRoleArn,
    deadLetterArn: config.scheduleDeadLetterArn,
  }),
  schedules: new EventBridgePolicyScheduler(new SchedulerClient({}), {
    groupName: config.scheduleGroupName,
    targetArn: config.policyRunStateMachineArn,
    roleArn: config.schedulerRoleArn,
    deadLetterArn: config.scheduleDeadLetterArn,
  }),
  // A hook receiver's callback answers the lane's task that waits for it.
  taskCallbacks: new SfnTaskCallbacks(new SFNClient({})),
  ids: createUlidGenerator(),
  now: Date.now,
  events: new AwsEventPublisher(new SNSClient({}), new EventBridgeClient({}), loadEventTargets(process.env)),
  // SSRF: in AWS webhooks may only target public addresses.
  webhookAddresses: { allowPrivate: false },
  // Only confirmations need it: read on first use, not at every cold start.
  confirmationKey: lazyServiceKey(secrets, config.confirmationKeySecretArn),
  // Revoking an agent key closes its agent's WebSocket connection at once.
  ...(process.env[ENV.agentConnectionsEndpoint]
    ? {
        agentConnections: new ApiGatewayAgentConnections(
          new ApiGatewayManagementApiClient({ endpoint: process.env[ENV.agentConnectionsEndpoint] }),
        ),
      }
    : {}),
  logger,
  claims: config.claims,
  tenantPlans: parseTenantPlans(config.tenantPlans, ENV.tenantPlans),
  plans,
  defaultPlan: parseDefaultPlan(config.defaultPlan, plans, ENV.defaultPlan),
  version: config.version,
});
