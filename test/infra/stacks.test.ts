import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { TABLE_SCHEMA } from '#shared/adapters/dynamo/table-schema.ts';
import { OPERATOR_SCOPE } from '#shared/api/plans/operator-scope.ts';
import { PUBLIC_ROUTES } from '#shared/api/public-routes.ts';
import { synthesizePolicyRunDefinitions } from '#shared/local/workflows/synthesized-definition.ts';

const cdkContext = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;

let stateful: Template;
let stateless: Template;
let outdir: string;

// Synthesis bundles all fourteen functions with esbuild: on a busy machine that takes minutes.
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  const built = buildApp(new App({ context: cdkContext, outdir }));
  built.app.synth();
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
}, 240_000);

describe('the stateful stack', () => {
  it('declares the table exactly as the shared declaration, with TTL, PITR and deletion protection', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: Object.entries(TABLE_SCHEMA.indexes).map(([name, index]) =>
        Match.objectLike({
          IndexName: name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ),
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
    stateful.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('has an encrypted notification topic, an event bus, a schedule group and a cursor key', () => {
    stateful.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    stateful.resourceCountIs('AWS::Events::EventBus', 1);
    stateful.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    stateful.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
  });

  it('keeps a generated key for confirmation codes, apart from the cursor key', () => {
    stateful.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('confirmation codes'),
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
    stateful.resourceCountIs('AWS::SecretsManager::Secret', 3);
  });

  it('keeps a generated key for agent command ids, apart from the others', () => {
    stateful.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('commands sent to agents'),
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
  });
});

/** The service's own functions: not CDK's, which copies the console's build to its bucket. */
const serviceFunctions = () =>
  Object.fromEntries(
    Object.entries(stateless.findResources('AWS::Lambda::Function')).filter(
      ([id]) => !id.startsWith('CustomCDKBucketDeployment'),
    ),
  );

describe('the stateless stack', () => {
  it('runs the API on Node.js 24, arm64, with tracing and a bounded log group', () => {
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: Match.anyValue(),
          CURSOR_KEY_SECRET_ARN: Match.anyValue(),
        }),
      },
    });
    stateless.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('bundles each function from its own entry point', () => {
    const functions = Object.values(serviceFunctions());
    const keys = functions.map((fn) => JSON.stringify(fn.Properties.Code.S3Key));
    // API, connector, nine policy-run steps (six incl. LoadLane + two of retention + the hook step), two guest-operation steps, the restore-test step, the daily sweep's planner and worker, the RPO check's planner and worker, the ended-execution handler, the notifier and the agents' authorizer and WebSocket routes.
    expect(functions).toHaveLength(22);
    expect(new Set(keys).size).toBe(22);
  });

  it('runs policies in standard state machines: one per run, one child execution per node lane', () => {
    const machines = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine'));
    // Policy run, its node lanes (Standard and Express fast lanes), guest operations and restore tests.
    expect(machines).toHaveLength(5);
    const all = JSON.stringify(machines.map((machine) => machine.Properties.DefinitionString));
    for (const needle of [
      'ClaimRun',
      'ResolveTargets',
      'SnapshotLanes',
      'RunChunks',
      'RunLane',
      'states:startExecution.sync:2',
      'LaneLost',
      'FinishRun',
    ]) {
      expect(all).toContain(needle);
    }
    for (const needle of [
      'SnapshotGuests',
      'MaxConcurrencyPath',
      'ProxmoxAlreadyExistsError',
      'ProxmoxLockedError',
      'WaitForTask',
      'States.MathAdd',
      'RecordSucceeded',
      'RecordFailed',
    ]) {
      expect(all).toContain(needle);
    }
    stateless.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
    const apiPolicies = JSON.stringify(stateless.findResources('AWS::IAM::Policy'));
    expect(apiPolicies).toContain('states:StartExecution');
  });

  it('prunes in the lane after each recorded snapshot, and lets the daily sweep\u2019s worker start prune-only lanes', () => {
    const machines = stateless.findResources('AWS::StepFunctions::StateMachine');
    const lane = Object.entries(machines).find(([id]) => id.includes('LaneStateMachine'));
    expect(lane).toBeDefined();
    const definition = JSON.stringify(lane?.[1].Properties.DefinitionString);
    // Lanes carry only a reference and load their guests (the 256 KiB payload limit).
    expect(definition).toContain('LoadLane');
    expect(definition).toContain('$.lane.guests');
    for (const needle of [
      'PruneOnly?',
      'PlanPrune',
      'PruneSnapshots',
      'DeleteSnapshot',
      'RecordPruned',
      'RecordGone',
      'RecordPruneFailed',
    ]) {
      expect(definition).toContain(needle);
    }
    const sweep = Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('SweepWorkerFunction'),
    );
    expect(sweep?.[1].Properties.Environment.Variables.PRUNE_LANE_STATE_MACHINE_ARN).toEqual({
      Ref: lane?.[0],
    });
    const sweepPolicy = Object.values(stateless.findResources('AWS::IAM::Policy')).find((policy) =>
      JSON.stringify(policy.Properties.Roles).includes('SweepWorkerFunction'),
    );
    expect(JSON.stringify(sweepPolicy?.Properties.PolicyDocument)).toContain('states:StartExecution');
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      Description: 'Daily reconciliation and retention sweep of every tenant',
    });
  });

  it('retries the service’s own idempotent steps on any error, but never a Proxmox call that changes state', () => {
    const { definitions, policyRunArn } = synthesizePolicyRunDefinitions();
    const states = (definition: any): Record<string, any> =>
      Object.assign(
        {},
        definition.States,
        ...Object.values(definition.States as Record<string, any>).map((state) =>
          state.ItemProcessor ? states(state.ItemProcessor) : {},
        ),
      );
    const all = Object.assign({}, ...Object.values(definitions).map(states));
    for (const name of [
      'ClaimRun',
      'ResolveTargets',
      'LoadLane',
      'RecordSucceeded',
      'RecordFailed',
      'FinishRun',
      'RecordPruned',
    ]) {
      expect(
        all[name]?.Retry?.some((retry: any) => retry.ErrorEquals.includes('States.ALL')),
        name,
      ).toBe(true);
    }
    // Creating a snapshot twice is what the claim and the deterministic name exist to prevent.
    expect(
      all.CreateSnapshot.Retry?.some((retry: any) => retry.ErrorEquals.includes('States.ALL')) ?? false,
    ).toBe(false);
    expect(all.DeleteSnapshot.Retry.flatMap((retry: any) => retry.ErrorEquals)).not.toContain('States.ALL');
    expect(definitions[policyRunArn]).toBeDefined();
  });

  it('delivers notifications: topic to a queue with dead letters to the notifier; publishers may publish', () => {
    stateless.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true });
    const queues = Object.values(stateless.findResources('AWS::SQS::Queue'));
    expect(queues.some((queue) => queue.Properties.RedrivePolicy?.maxReceiveCount === 5)).toBe(true);
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const functions = serviceFunctions();
    const notifier = Object.entries(functions).find(([id]) => id.startsWith('NotifierFunction'));
    expect(notifier?.[1].Properties.Environment.Variables).toHaveProperty('PUBLIC_API_URL');
    // The API and the steps that publish outcomes: topic ARN and bus name in their environment.
    const publishers = [
      'Api',
      'RecordResult',
      'RecordPrune',
      'FinishRun',
      'ReconcileGuests',
      'FinishOperation',
    ];
    for (const [id, fn] of Object.entries(functions)) {
      if (!publishers.some((publisher) => id.startsWith(`${publisher}Function`))) continue;
      expect(fn.Properties.Environment.Variables, id).toHaveProperty('EVENT_TOPIC_ARN');
      expect(fn.Properties.Environment.Variables, id).toHaveProperty('EVENT_BUS_NAME');
    }
    const policies = JSON.stringify(stateless.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('sns:Publish');
    expect(policies).toContain('events:PutEvents');
  });

  it('logs every state machine to a group under /aws/vendedlogs/states/, outside the account’s log resource policy', () => {
    const machines = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine'));
    const groups = stateless.findResources('AWS::Logs::LogGroup');
    expect(machines.length).toBeGreaterThanOrEqual(3);
    for (const machine of machines) {
      const destinations = machine.Properties.LoggingConfiguration?.Destinations ?? [];
      expect(destinations.length).toBe(1);
      const groupId = destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
      expect(groups[groupId]?.Properties.LogGroupName).toMatch(
        /^\/aws\/vendedlogs\/states\/PveSnapshotsStateless-/,
      );
    }
  });

  it('puts the JWT authorizer on every route except the public ones', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Issuer: cdkContext['pve-snapshots:jwtIssuer'],
        Audience: [cdkContext['pve-snapshots:jwtAudience']],
      },
    });
    const routes = stateless.findResources('AWS::ApiGatewayV2::Route');
    // The agents' WebSocket routes ($connect, ...) have their own key authorizer.
    const byKey = Object.fromEntries(
      Object.values(routes)
        .filter((route) => !String(route.Properties.RouteKey).startsWith('$'))
        .map((route) => [route.Properties.RouteKey, route.Properties]),
    );
    expect(Object.keys(byKey).sort()).toEqual(
      [
        ...PUBLIC_ROUTES.map((r) => `${r.method} ${r.path}`),
        'ANY /{proxy+}',
        'ANY /operator/{proxy+}',
      ].sort(),
    );
    expect(byKey['ANY /{proxy+}'].AuthorizationType).toBe('JWT');
    expect(byKey['ANY /operator/{proxy+}']).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizationScopes: [OPERATOR_SCOPE],
    });
    for (const route of PUBLIC_ROUTES)
      expect(byKey[`${route.method} ${route.path}`].AuthorizationType).toBe('NONE');
  });

  it('writes JSON access logs', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('grants the API least privilege: the table, the cursor key, and only secrets under the service prefix', () => {
    const policies = stateless.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    const secretStatement = statements.find((s: { Action: unknown }) =>
      JSON.stringify(s.Action).includes('secretsmanager:CreateSecret'),
    );
    expect(secretStatement.Resource).toEqual({
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
    });
    const actions = statements.flatMap((s: { Action: string | string[] }) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    );
    expect(actions).not.toContain('dynamodb:*');
    expect(actions).not.toContain('secretsmanager:*');
    expect(actions).not.toContain('dynamodb:DeleteTable');
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem']),
    );
  });

  /** The functions given the key in `variable` (by logical id without its hash); each may only read it. */
  const readersOfKey = (variable: string): string[] => {
    const functions = stateless.findResources('AWS::Lambda::Function');
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy'));
    const readersOf = (secretArn: unknown) =>
      policies
        .filter((policy) =>
          policy.Properties.PolicyDocument.Statement.some(
            (s: { Resource: unknown }) => JSON.stringify(s.Resource) === JSON.stringify(secretArn),
          ),
        )
        .flatMap((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).map((role) => role.Ref));
    const withKey = Object.entries(functions).filter(
      ([, fn]) => fn.Properties.Environment?.Variables?.[variable] !== undefined,
    );
    const keyArn = withKey[0]?.[1].Properties.Environment.Variables[variable];
    expect(
      withKey.every(
        ([, fn]) => JSON.stringify(fn.Properties.Environment.Variables[variable]) === JSON.stringify(keyArn),
      ),
    ).toBe(true);
    const roles = withKey.map(
      ([, fn]) => (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );
    expect(readersOf(keyArn).sort()).toEqual([...roles].sort());
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const onKey = statements.filter(
      (s: { Resource: unknown }) => JSON.stringify(s.Resource) === JSON.stringify(keyArn),
    );
    for (const statement of onKey)
      expect([statement.Action].flat()).toEqual([
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
      ]);
    return withKey.map(([id]) => id.replace(/[A-F0-9]{8}$/, '')).sort();
  };

  it('gives the confirmation key to the API, which checks codes, and the notifier, which makes them, to read only', () => {
    expect(readersOfKey('CONFIRMATION_KEY_SECRET_ARN')).toEqual(['ApiFunction', 'NotifierFunction']);
  });

  it('gives the agent command key to the connector, which signs command ids, and the WebSocket function, which checks answers, to read only', () => {
    expect(readersOfKey('AGENT_COMMAND_KEY_SECRET_ARN')).toEqual([
      'AgentWebSocketFunction',
      'ConnectorFunction',
    ]);
  });

  it('gives the Proxmox connector no delete on the table (it records agent commands) and only GetSecretValue on cluster secrets', () => {
    const functions = stateless.findResources('AWS::Lambda::Function');
    const connector = Object.entries(functions).find(([id]) => id.startsWith('ConnectorFunction'));
    if (!connector) throw new Error('no connector function in the stateless stack');
    const roleId = (connector[1].Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
    );
    const actions = policies.flatMap((policy) =>
      policy.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) =>
        Array.isArray(s.Action) ? s.Action : [s.Action],
      ),
    );
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions.filter((action: string) => /dynamodb:(Delete|BatchWrite)/.test(action))).toEqual([]);
    expect(actions.filter((action: string) => /secretsmanager:(Create|Put|Delete)/.test(action))).toEqual([]);
  });

  it('lets the API write schedules only in the service’s group, and Scheduler only start policy runs', () => {
    const policies = JSON.stringify(stateless.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('scheduler:CreateSchedule');
    expect(policies).toMatch(/:schedule\/PveSnapshotsStateful-PolicySchedules-[A-Z0-9]+\/\*/);
    expect(policies).toContain('iam:PassRole');
    stateless.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: Match.anyValue(),
          }),
        ],
      }),
    });
    stateful.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('alarms on API 5xx, function errors and throttles (the rest: test/infra/operations.test.ts)', () => {
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
    });
  });
});

describe('cdk-nag (AWS Solutions)', () => {
  it('passes with every acknowledged finding carrying a reason', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(
      report.pluginReports.flatMap((plugin: { violations: unknown[] }) => plugin.violations ?? []),
    ).toEqual([]);
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cdk-nag-')) });
    new Topic(new Stack(app, 'Probe'), 'UnencryptedTopic');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/SNS Topic does not require publishers to use SSL/);
  });
});
