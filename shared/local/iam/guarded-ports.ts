import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectorRequest } from '#shared/domain/proxmox/commands.ts';
import type { EventPublisher } from '#shared/ports/event-publisher.ts';
import type { ProxmoxGateway } from '#shared/ports/proxmox-gateway.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import type { WorkflowStarter } from '#shared/ports/workflow-starter.ts';
import { localFunctionArn, localSecretArn } from '../local-arns.ts';
import type { LocalIam } from './local-iam.ts';

/** The function the API and the steps invoke to reach Proxmox. */
const CONNECTOR = 'connector';
/** The variables naming a secret store's prefix, with the default each function config applies. */
const SECRET_PREFIXES = {
  SECRET_PREFIX: 'pve-snapshots/clusters',
  WEBHOOK_SECRET_PREFIX: 'pve-snapshots/webhooks',
} as const;
const LOCAL_SECRET_REF = 'local:';

/**
 * The connector, reached as in AWS: the caller needs `lambda:InvokeFunction` on it, and the
 * connector's own code then runs as the connector (its role decides what it may read).
 */
export function guardProxmoxGateway(iam: LocalIam, gateway: ProxmoxGateway): ProxmoxGateway {
  return {
    call: async (request: ConnectorRequest) => {
      iam.authorize('lambda:InvokeFunction', localFunctionArn(CONNECTOR));
      return await iam.runAsFunction(CONNECTOR, () => gateway.call(request));
    },
  };
}

/**
 * Secrets as Secrets Manager names them: `<the calling function's prefix variable>/<name>` (the
 * store of cluster tokens uses `SECRET_PREFIX`, that of webhook secrets `WEBHOOK_SECRET_PREFIX`),
 * the ARN with the six characters Secrets Manager appends (which is why grants end in `*`).
 */
export function guardSecretStore(
  iam: LocalIam,
  store: SecretStore,
  prefix: keyof typeof SECRET_PREFIXES = 'SECRET_PREFIX',
): SecretStore {
  const arn = (name: string) =>
    localSecretArn(`${iam.currentFunction()?.environment[prefix] ?? SECRET_PREFIXES[prefix]}/${name}`);
  const nameOf = (ref: string) =>
    ref.startsWith(LOCAL_SECRET_REF) ? ref.slice(LOCAL_SECRET_REF.length) : ref;
  return {
    put: async (name, value) => {
      iam.authorize('secretsmanager:CreateSecret', arn(name));
      return await store.put(name, value);
    },
    get: async (ref) => {
      iam.authorize('secretsmanager:GetSecretValue', arn(nameOf(ref)));
      return await store.get(ref);
    },
    delete: async (ref) => {
      iam.authorize('secretsmanager:DeleteSecret', arn(nameOf(ref)));
      await store.delete(ref);
    },
  };
}

/**
 * Publishing as the AWS publisher does: `sns:Publish` on the topic (whose KMS key needs
 * `kms:GenerateDataKey*` and `kms:Decrypt` from the publisher) and `events:PutEvents` on the bus.
 */
export function guardEventPublisher(iam: LocalIam, publisher: EventPublisher): EventPublisher {
  const { topic, topicKey, bus } = iam.grants.resources;
  return {
    publish: async (events) => {
      if (events.length > 0) {
        if (topic) iam.authorize('sns:Publish', topic);
        if (topicKey) {
          iam.authorize('kms:GenerateDataKey', topicKey);
          iam.authorize('kms:Decrypt', topicKey);
        }
        if (bus) iam.authorize('events:PutEvents', bus);
      }
      await publisher.publish(events);
    },
  };
}

/** Which state machine each start targets, by the local ARNs of the synthesized definitions. */
export interface StarterTargets {
  readonly policyRunArn: string;
  readonly operationArn: string;
  readonly laneArn: string;
  readonly restoreTestArn: string;
}

/** Starting an execution needs `states:StartExecution` on its state machine. */
export function guardWorkflowStarter(
  iam: LocalIam,
  starter: WorkflowStarter,
  targets: StarterTargets,
): WorkflowStarter {
  return {
    startPolicyRun: async (runId, input) => {
      iam.authorize('states:StartExecution', targets.policyRunArn);
      await starter.startPolicyRun(runId, input);
    },
    startGuestOperation: async (operationId, input) => {
      iam.authorize('states:StartExecution', targets.operationArn);
      await starter.startGuestOperation(operationId, input);
    },
    startPruneLane: async (name, lane) => {
      iam.authorize('states:StartExecution', targets.laneArn);
      await starter.startPruneLane(name, lane);
    },
    startRestoreTest: async (runId, input) => {
      iam.authorize('states:StartExecution', targets.restoreTestArn);
      await starter.startRestoreTest(runId, input);
    },
  };
}

/** The IAM actions a DynamoDB call needs, by its command (a transaction needs each item's own action). */
function dynamoActions(command: string, input: Record<string, unknown>): string[] {
  const operation = command.replace(/Command$/, '');
  if (operation === 'TransactWriteItems') {
    const items = (input.TransactItems as Array<Record<string, unknown>> | undefined) ?? [];
    const byKind: Record<string, string> = {
      Put: 'dynamodb:PutItem',
      Update: 'dynamodb:UpdateItem',
      Delete: 'dynamodb:DeleteItem',
      ConditionCheck: 'dynamodb:ConditionCheckItem',
    };
    return [
      ...new Set(
        items.flatMap((item) => Object.keys(item).map((kind) => byKind[kind] ?? `dynamodb:${kind}`)),
      ),
    ];
  }
  if (operation === 'TransactGetItems') return ['dynamodb:GetItem'];
  return [`dynamodb:${operation}`];
}

/**
 * Checks every call of the document client against the calling function's grants on the table
 * (or on `<table>/index/<name>` for a query of an index), before it is sent. Locally there is one
 * table; its ARN is the template's.
 */
export function guardDynamoClient(iam: LocalIam, doc: DynamoDBDocumentClient): void {
  const table = iam.grants.resources.table;
  if (!table) return;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args.input ?? {}) as Record<string, unknown>;
      const index = typeof input.IndexName === 'string' ? `${table}/index/${input.IndexName}` : table;
      for (const action of dynamoActions(String(context.commandName ?? ''), input))
        iam.authorize(action, index);
      return await next(args);
    },
    { step: 'initialize', name: 'localIamGuard', override: true },
  );
}
