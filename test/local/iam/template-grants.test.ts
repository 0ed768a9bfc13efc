import { describe, expect, it } from 'vitest';
import { loadGrants } from '#shared/local/iam/grants-cache.ts';
import { evaluate } from '#shared/local/iam/policy-evaluation.ts';
import { grantsFromTemplates, type Template } from '#shared/local/iam/template-grants.ts';
import { localFunctionArn, localSecretArn, localStateMachineArn } from '#shared/local/local-arns.ts';

const stateful: Template = {
  Resources: {
    DataTable: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
    Key: { Type: 'AWS::KMS::Key', Properties: {} },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'Events' } },
  },
  Outputs: {
    TableArn: { Value: { 'Fn::GetAtt': ['DataTable', 'Arn'] }, Export: { Name: 'Stateful:TableArn' } },
  },
};
const role = (service: string) => ({
  Type: 'AWS::IAM::Role',
  Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: service } }] } },
});
const stateless: Template = {
  Resources: {
    StepRole: role('lambda.amazonaws.com'),
    StepPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'StepRole' }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'lambda:InvokeFunction',
              Resource: [
                { 'Fn::GetAtt': ['Connector', 'Arn'] },
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Connector', 'Arn'] }, ':*']] },
              ],
            },
            {
              Effect: 'Allow',
              Action: ['dynamodb:GetItem', 'dynamodb:Query'],
              Resource: [
                { 'Fn::ImportValue': 'Stateful:TableArn' },
                { 'Fn::Join': ['', [{ 'Fn::ImportValue': 'Stateful:TableArn' }, '/index/*']] },
              ],
            },
            {
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':secretsmanager:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':secret:pve-snapshots/clusters/*',
                  ],
                ],
              },
            },
          ],
        },
      },
    },
    Step: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Role: { 'Fn::GetAtt': ['StepRole', 'Arn'] },
        Timeout: 45,
        MemorySize: 1024,
        Environment: {
          Variables: { POWERTOOLS_SERVICE_NAME: 'pve-snapshots-plan-operation', TABLE: { Ref: 'Missing' } },
        },
      },
    },
    ConnectorRole: role('lambda.amazonaws.com'),
    Connector: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Role: { 'Fn::GetAtt': ['ConnectorRole', 'Arn'] },
        Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'pve-snapshots-connector' } },
      },
    },
    MachineRole: role('states.amazonaws.com'),
    MachinePolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'MachineRole' }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: ['states:DescribeExecution'],
              Resource: {
                'Fn::Join': [
                  '',
                  [
                    'arn:aws:states:local:000000000000:execution:',
                    { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: 'Machine' }] }] },
                    '*',
                  ],
                ],
              },
            },
          ],
        },
      },
    },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { RoleArn: { 'Fn::GetAtt': ['MachineRole', 'Arn'] } },
    },
    SchedulerRole: role('scheduler.amazonaws.com'),
  },
};

describe('grants read from the synthesized templates', () => {
  const grants = grantsFromTemplates([stateful, stateless]);
  const can = (fn: string, action: string, resource: string) =>
    evaluate(grants.roles[grants.functions[fn]?.role ?? '']?.statements ?? [], action, resource);

  it('resolves GetAtt, Ref, Join, Select/Split and the other stack\u2019s exports to the local stand-ins', () => {
    const table = 'arn:aws:dynamodb:local:000000000000:table/DataTable';
    expect(grants.resources).toEqual({
      table,
      topic: 'arn:aws:sns:local:000000000000:Topic',
      topicKey: 'arn:aws:kms:local:000000000000:key/Key',
      bus: 'arn:aws:events:local:000000000000:event-bus/Events',
    });
    expect(can('plan-operation', 'lambda:InvokeFunction', localFunctionArn('connector'))).toBe('allowed');
    expect(can('plan-operation', 'dynamodb:Query', `${table}/index/byResource`)).toBe('allowed');
    expect(can('plan-operation', 'dynamodb:PutItem', table)).toBe('implicit-deny');
    expect(
      can('plan-operation', 'secretsmanager:GetSecretValue', localSecretArn('pve-snapshots/clusters/t/c')),
    ).toBe('allowed');
    expect(can('connector', 'lambda:InvokeFunction', localFunctionArn('connector'))).toBe('implicit-deny');
    const machine = localStateMachineArn('Machine');
    const machineRole = grants.stateMachines[machine]?.role ?? '';
    expect(machineRole).toBe('MachineRole');
    expect(
      evaluate(
        grants.roles[machineRole]?.statements ?? [],
        'states:DescribeExecution',
        'arn:aws:states:local:000000000000:execution:Machine:run-1',
      ),
    ).toBe('allowed');
    expect(grants.schedulerRoles).toEqual(['SchedulerRole']);
  });

  it('keeps each function\u2019s timeout, memory and environment, with CloudFormation\u2019s defaults', () => {
    expect(grants.functions['plan-operation']).toMatchObject({
      arn: localFunctionArn('plan-operation'),
      role: 'StepRole',
      timeoutSeconds: 45,
      memoryMb: 1024,
      environment: { POWERTOOLS_SERVICE_NAME: 'pve-snapshots-plan-operation', TABLE: 'unresolved:Missing' },
    });
    expect(grants.functions.connector).toMatchObject({ timeoutSeconds: 3, memoryMb: 128 });
  });

  it('reads every function of the deployed service from the app `npx cdk synth` synthesizes', async () => {
    const real = await loadGrants();
    // CDK's own deployment function (the console's files) is no function of the service.
    const own = Object.keys(real.functions).filter((name) => !name.startsWith('CustomCDKBucketDeployment'));
    expect(own.sort()).toEqual(
      [
        'agent-authorizer',
        'agent-websocket',
        'api',
        'claim-run',
        'connector',
        'daily-sweep',
        'execution-ended',
        'finish-operation',
        'finish-run',
        'load-lane',
        'notifier',
        'plan-operation',
        'plan-prune',
        'record-prune',
        'record-result',
        'reconcile-guests',
        'resolve-targets',
        'restore-test-step',
        'rpo-check',
        'rpo-check-worker',
        'run-hook',
        'sweep-worker',
      ].sort(),
    );
    const api = real.roles[real.functions.api?.role ?? '']?.statements ?? [];
    expect(evaluate(api, 'lambda:InvokeFunction', localFunctionArn('connector'))).toBe('allowed');
    expect(Object.keys(real.stateMachines)).toHaveLength(5);
    for (const settings of Object.values(real.functions)) expect(settings.timeoutSeconds).toBeGreaterThan(0);
  });
});
