import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import {
  guardDynamoClient,
  guardEventPublisher,
  guardProxmoxGateway,
  guardSecretStore,
  guardWorkflowStarter,
} from '#shared/local/iam/guarded-ports.ts';
import { LocalIam } from '#shared/local/iam/local-iam.ts';
import type { PolicyStatement } from '#shared/local/iam/policy-evaluation.ts';
import type { LocalGrants } from '#shared/local/iam/template-grants.ts';
import { localFunctionArn, localSecretArn, localStateMachineArn } from '#shared/local/local-arns.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';

const table = 'arn:aws:dynamodb:local:000000000000:table/DataTable';
const topic = 'arn:aws:sns:local:000000000000:Topic';
const bus = 'arn:aws:events:local:000000000000:event-bus/Events';
const allow = (actions: string[], resources: string[]): PolicyStatement => ({
  effect: 'Allow',
  actions,
  resources,
});
const fn = (name: string, role: string) => ({
  arn: localFunctionArn(name),
  role,
  timeoutSeconds: 30,
  memoryMb: 512,
  environment: { SECRET_PREFIX: 'pve-snapshots/clusters' },
});

/** A step that may invoke the connector, a step that may not, and the connector, which may read secrets. */
function grants(step: PolicyStatement[]): LocalGrants {
  return {
    roles: {
      StepRole: { statements: step },
      ConnectorRole: {
        statements: [
          allow(
            ['secretsmanager:GetSecretValue'],
            ['arn:aws:secretsmanager:local:000000000000:secret:pve-snapshots/clusters/*'],
          ),
          allow(['dynamodb:GetItem', 'dynamodb:Query'], [table, `${table}/index/*`]),
        ],
      },
    },
    functions: {
      'plan-operation': fn('plan-operation', 'StepRole'),
      connector: fn('connector', 'ConnectorRole'),
    },
    stateMachines: {},
    schedulerRoles: [],
    resources: { table, topic, bus },
  };
}
const invokeConnector = allow(
  ['lambda:InvokeFunction'],
  [localFunctionArn('connector'), `${localFunctionArn('connector')}:*`],
);

function memorySecrets(): SecretStore {
  const values = new Map<string, string>();
  return {
    put: async (name, value) => {
      values.set(name, value);
      return `local:${name}`;
    },
    get: async (ref) => values.get(ref.slice('local:'.length)) ?? '',
    delete: async (ref) => {
      values.delete(ref.slice('local:'.length));
    },
  };
}

describe('the local IAM', () => {
  it('refuses a function\u2019s call to the connector that its role is not granted, with AWS\u2019s error', async () => {
    const iam = new LocalIam(grants([]));
    const gateway = guardProxmoxGateway(iam, { call: async () => 'called' });
    const call = iam.runAsFunction('plan-operation', () =>
      gateway.call({ tenantId: 't', clusterId: 'c', command: { type: 'version' } }),
    );
    await expect(call).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:sts::000000000000:assumed-role/StepRole/plan-operation is not authorized to perform: lambda:InvokeFunction on resource: ${localFunctionArn('connector')} because no identity-based policy allows the lambda:InvokeFunction action`,
    });

    const granted = new LocalIam(grants([invokeConnector]));
    const allowed = guardProxmoxGateway(granted, { call: async () => granted.currentFunction()?.role });
    expect(
      await granted.runAsFunction('plan-operation', () =>
        allowed.call({ tenantId: 't', clusterId: 'c', command: { type: 'version' } }),
      ),
    ).toBe('ConnectorRole'); // the connector's code runs as the connector
  });

  it('checks nothing outside a function (the local stand-ins of AWS itself)', async () => {
    const iam = new LocalIam(grants([]));
    const gateway = guardProxmoxGateway(iam, { call: async () => 'called' });
    expect(await gateway.call({ tenantId: 't', clusterId: 'c', command: { type: 'version' } })).toBe(
      'called',
    );
  });

  it('only reports a refused call in report mode', async () => {
    const denied: string[] = [];
    const iam = new LocalIam(grants([]), { mode: 'report', onDenied: (error) => denied.push(error.action) });
    const gateway = guardProxmoxGateway(iam, { call: async () => 'called' });
    expect(
      await iam.runAsFunction('plan-operation', () =>
        gateway.call({ tenantId: 't', clusterId: 'c', command: { type: 'version' } }),
      ),
    ).toBe('called');
    expect(denied).toEqual(['lambda:InvokeFunction']);
  });

  it('names secrets under the caller\u2019s SECRET_PREFIX, as Secrets Manager does', async () => {
    const iam = new LocalIam(
      grants([
        allow(
          ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue'],
          ['arn:aws:secretsmanager:local:000000000000:secret:pve-snapshots/clusters/*'],
        ),
      ]),
    );
    const secrets = guardSecretStore(iam, memorySecrets());
    const ref = await iam.runAsFunction('plan-operation', () => secrets.put('tenant/cluster', 's3cret'));
    expect(await iam.runAsFunction('plan-operation', () => secrets.get(ref))).toBe('s3cret');
    await expect(iam.runAsFunction('plan-operation', () => secrets.delete(ref))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      resource: localSecretArn('pve-snapshots/clusters/tenant/cluster'),
    });
    // The webhook secrets' store names them under WEBHOOK_SECRET_PREFIX, which this role may not read.
    const webhooks = guardSecretStore(iam, memorySecrets(), 'WEBHOOK_SECRET_PREFIX');
    await expect(
      iam.runAsFunction('plan-operation', () => webhooks.put('subscriptions/t/s/1', 'whsec')),
    ).rejects.toMatchObject({
      action: 'secretsmanager:CreateSecret',
      resource: localSecretArn('pve-snapshots/webhooks/subscriptions/t/s/1'),
    });
  });

  it('needs sns:Publish and events:PutEvents to publish, and StartExecution to start', async () => {
    const published: number[] = [];
    const publisher = { publish: async (events: readonly unknown[]) => void published.push(events.length) };
    const started: string[] = [];
    const starter = {
      startPolicyRun: async (id: string) => void started.push(id),
      startGuestOperation: async (id: string) => void started.push(id),
      startPruneLane: async (id: string) => void started.push(id),
      startRestoreTest: async (id: string) => void started.push(id),
    };
    const targets = {
      policyRunArn: localStateMachineArn('PolicyRun'),
      operationArn: localStateMachineArn('Operation'),
      laneArn: localStateMachineArn('Lane'),
      restoreTestArn: localStateMachineArn('RestoreTest'),
    };
    const onlySns = new LocalIam(grants([allow(['sns:Publish'], [topic])]));
    const event = [{ id: 'e' }] as never;
    await expect(
      onlySns.runAsFunction('plan-operation', () => guardEventPublisher(onlySns, publisher).publish(event)),
    ).rejects.toMatchObject({ name: 'AccessDeniedException', action: 'events:PutEvents', resource: bus });
    const both = new LocalIam(
      grants([
        allow(['sns:Publish'], [topic]),
        allow(['events:PutEvents'], [bus]),
        allow(['states:StartExecution'], [targets.operationArn]),
      ]),
    );
    await both.runAsFunction('plan-operation', () => guardEventPublisher(both, publisher).publish(event));
    expect(published).toEqual([1]);
    const guarded = guardWorkflowStarter(both, starter, targets);
    await both.runAsFunction('plan-operation', () =>
      guarded.startGuestOperation('op-1', { tenantId: 't', operationId: 'op-1' }),
    );
    await expect(
      both.runAsFunction('plan-operation', () => guarded.startPolicyRun('run-1', {} as never)),
    ).rejects.toMatchObject({ action: 'states:StartExecution', resource: targets.policyRunArn });
    expect(started).toEqual(['op-1']);
  });

  it('checks each DynamoDB call by its action, an index query on the index, a transaction item by item', async () => {
    const iam = new LocalIam(grants([allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [table])]));
    const doc = createDocumentClient(localClientConfig(inject('dynamoEndpoint')));
    guardDynamoClient(iam, doc);
    const TableName = `missing-${randomUUID()}`;
    const asStep = <T>(call: () => Promise<T>) => iam.runAsFunction('plan-operation', call);
    try {
      // Granted: the call reaches DynamoDB (which has no such table).
      await expect(
        asStep(() => doc.send(new GetCommand({ TableName, Key: { pk: 'a', sk: 'b' } }))),
      ).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      await expect(
        asStep(() =>
          doc.send(
            new QueryCommand({
              TableName,
              IndexName: 'byResource',
              KeyConditionExpression: 'gsi1pk = :p',
              ExpressionAttributeValues: { ':p': 'x' },
            }),
          ),
        ),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        action: 'dynamodb:Query',
        resource: `${table}/index/byResource`,
      });
      await expect(
        asStep(() =>
          doc.send(
            new TransactWriteCommand({
              TransactItems: [
                { Put: { TableName, Item: { pk: 'a', sk: 'b' } } },
                { Delete: { TableName, Key: { pk: 'a', sk: 'c' } } },
              ],
            }),
          ),
        ),
      ).rejects.toMatchObject({ name: 'AccessDeniedException', action: 'dynamodb:DeleteItem' });
      await expect(
        asStep(() => doc.send(new PutCommand({ TableName, Item: { pk: 'a', sk: 'b' } }))),
      ).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    } finally {
      doc.destroy();
    }
  });
});
