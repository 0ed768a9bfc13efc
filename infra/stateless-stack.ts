import { ArnFormat, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type IScheduleGroup, Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { ServiceFunction } from './constructs/api-function.ts';
import { GuestOperationWorkflow } from './constructs/guest-operation-workflow.ts';
import { ServiceHttpApi } from './constructs/http-api.ts';
import { PolicyRunWorkflow } from './constructs/policy-run-workflow.ts';

export interface StatelessStackProps extends StackProps {
  readonly table: TableV2;
  readonly cursorKey: ISecret;
  /** The key confirmation codes are MAC-ed with: the notifier makes them, the API checks them. */
  readonly confirmationKey: ISecret;
  readonly clusterSecretPrefix: string;
  readonly scheduleGroup: IScheduleGroup;
  readonly scheduleDeadLetters: IQueue;
  /** Issuer of accepted JWTs. */
  readonly jwtIssuer: string;
  /** Accepted JWT audiences. */
  readonly jwtAudience: string[];
  /** Claim names carrying the tenant id and role. Default: `tenant`, `role`. */
  readonly claims?: { readonly tenant: string; readonly role: string };
  /** Where operational alarms are mailed; none when absent. */
  readonly alarmEmail?: string;
  /** Domain events: the notification topic and the event bus. */
  readonly topic: ITopic;
  readonly bus: IEventBus;
  /** A secret `{"url": "smtps://..."}` with SES SMTP credentials; without it email deliveries fail, saying so. */
  readonly smtpSecretArn?: string;
  /** The sender of notification mail (an SES-verified identity). */
  readonly mailFrom?: string;
}

/** Code and routing: the API function, the HTTP API and the alarms that watch them. */
export class StatelessStack extends Stack {
  public readonly apiFunction: ServiceFunction;
  /** The only function that talks to Proxmox; the workflows invoke it with one command per call. */
  public readonly connectorFunction: ServiceFunction;
  /** The policy-run state machine (started by schedules and by "run now"). */
  public readonly policyRun: PolicyRunWorkflow;
  /** Manual snapshots, deletes and restores. */
  public readonly guestOperations: GuestOperationWorkflow;
  public readonly httpApi: ServiceHttpApi;
  public readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.apiFunction = new ServiceFunction(this, 'ApiFunction', {
      entry: 'functions/api/http-api.ts',
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.cursorKeySecretArn]: props.cursorKey.secretArn,
        [ENV.confirmationKeySecretArn]: props.confirmationKey.secretArn,
        [ENV.secretPrefix]: props.clusterSecretPrefix,
        [ENV.tenantClaim]: props.claims?.tenant ?? 'tenant',
        [ENV.roleClaim]: props.claims?.role ?? 'role',
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-api',
      },
    });
    const fn = this.apiFunction.function;
    /** Lets a function publish domain events (the topic and the bus). */
    const mayPublishEvents = (publisher: LambdaFunction) => {
      props.topic.grantPublish(publisher);
      props.bus.grantPutEventsTo(publisher);
      publisher.addEnvironment(ENV.eventTopicArn, props.topic.topicArn);
      publisher.addEnvironment(ENV.eventBusName, props.bus.eventBusName);
      Validations.of(publisher.role ?? publisher).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to the KMS-encrypted topic needs data keys from the topic’s own key (grantPublish scopes it to that key).',
      });
    };
    mayPublishEvents(fn);
    const clusterSecrets = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${props.clusterSecretPrefix}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    props.table.grantReadWriteData(fn);
    props.cursorKey.grantRead(fn);
    props.confirmationKey.grantRead(fn);
    // Token secrets are created per cluster at run time, all under one name prefix.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:GetSecretValue',
          'secretsmanager:DeleteSecret',
        ],
        resources: [clusterSecrets],
      }),
    );

    const acknowledge = (id: string, reason: string) =>
      Validations.of(fn.role ?? fn).acknowledge({ id, reason });
    acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${props.clusterSecretPrefix}/*]`,
      'Token secrets are created per cluster at run time; the grant is limited to the service prefix.',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::${Stack.of(props.table).stackName}:ExportsOutputFnGetAttDataTableFDBAD0F2Arn2713A995/index/*]`,
      'Queries use the table\u2019s GSIs, which are only addressable as <table>/index/*.',
    );
    this.connectorFunction = new ServiceFunction(this, 'ConnectorFunction', {
      entry: 'functions/connector/proxmox-connector.ts',
      // Long enough for Proxmox's 30 s proxy timeout plus retries; tasks are polled, never awaited.
      timeout: Duration.seconds(90),
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.secretPrefix]: props.clusterSecretPrefix,
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-connector',
      },
    });
    const connector = this.connectorFunction.function;
    /** Lets a function call the connector (the only way to Proxmox), with the grant's nag acknowledgement. */
    const mayInvokeConnector = (caller: IFunction) => {
      connector.grantInvoke(caller);
      Validations.of(caller.role ?? caller).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(connector.node.defaultChild as CfnFunction)}.Arn>:*]`,
        reason:
          'grantInvoke covers the connector function\u2019s versions and aliases (<arn>:*), nothing else.',
      });
    };
    props.table.grantReadData(connector);
    // The API reaches Proxmox only through the connector.
    fn.addEnvironment(ENV.connectorFunctionName, connector.functionName);
    mayInvokeConnector(fn);
    connector.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [clusterSecrets],
      }),
    );
    const acknowledgeConnector = (id: string, reason: string) =>
      Validations.of(connector.role ?? connector).acknowledge({ id, reason });
    acknowledgeConnector(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${props.clusterSecretPrefix}/*]`,
      'The connector reads the token secret of whichever cluster a command names; all live under the service prefix.',
    );
    acknowledgeConnector(
      `AwsSolutions-IAM5[Resource::${Stack.of(props.table).stackName}:ExportsOutputFnGetAttDataTableFDBAD0F2Arn2713A995/index/*]`,
      'Read access to the table\u2019s GSIs, which are only addressable as <table>/index/*.',
    );

    // ---- the policy-run workflow ----
    const step = (id: string, entry: string) => {
      const created = new ServiceFunction(this, id, {
        entry: `functions/workflow/${entry}.ts`,
        environment: {
          [ENV.tableName]: props.table.tableName,
          [ENV.secretPrefix]: props.clusterSecretPrefix,
          [ENV.connectorFunctionName]: connector.functionName,
          POWERTOOLS_SERVICE_NAME: `pve-snapshots-${entry}`,
        },
      }).function;
      props.table.grantReadWriteData(created);
      mayPublishEvents(created);
      const role = created.role ?? created;
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${Stack.of(props.table).stackName}:ExportsOutputFnGetAttDataTableFDBAD0F2Arn2713A995/index/*]`,
        reason: 'Queries use the table\u2019s GSIs, which are only addressable as <table>/index/*.',
      });
      return created;
    };
    const resolveTargets = step('ResolveTargetsFunction', 'resolve-targets');
    // Resolving targets syncs the inventory, which goes through the connector.
    mayInvokeConnector(resolveTargets);
    const reconcile = step('ReconcileGuestsFunction', 'reconcile-guests');
    // Reconciliation reads snapshots through the connector.
    mayInvokeConnector(reconcile);
    // The daily sweep over every tenant's guests: reconciliation (runs reconcile the guests they
    // touch), then retention's prune-only lanes (runs prune the guests they snapshot).
    const sweep = step('DailySweepFunction', 'daily-sweep');
    mayInvokeConnector(sweep);
    const sweepSchedulerRole = new Role(this, 'DailySweepSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start the daily sweep',
    });
    Validations.of(sweepSchedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(sweep.node.defaultChild as CfnFunction)}.Arn>:*]`,
      reason: 'Invoking the sweep function includes its versions and aliases (<arn>:*), nothing else.',
    });
    new Schedule(this, 'DailySweepSchedule', {
      schedule: ScheduleExpression.cron({ hour: '3', minute: '30' }),
      target: new LambdaInvoke(sweep, {
        role: sweepSchedulerRole,
        deadLetterQueue: props.scheduleDeadLetters,
        retryAttempts: 3,
      }),
      description: 'Daily reconciliation and retention sweep of every tenant',
    });
    this.policyRun = new PolicyRunWorkflow(this, 'PolicyRun', {
      claimRun: step('ClaimRunFunction', 'claim-run'),
      resolveTargets,
      recordResult: step('RecordResultFunction', 'record-result'),
      finishRun: step('FinishRunFunction', 'finish-run'),
      loadLane: step('LoadLaneFunction', 'load-lane'),
      planPrune: step('PlanPruneFunction', 'plan-prune'),
      recordPrune: step('RecordPruneFunction', 'record-prune'),
      reconcileGuests: reconcile,
      connector,
      logGroup: new LogGroup(this, 'PolicyRunLogs', { retention: RetentionDays.THREE_MONTHS }),
    });
    this.guestOperations = new GuestOperationWorkflow(this, 'GuestOperation', {
      planOperation: step('PlanOperationFunction', 'plan-operation'),
      finishOperation: step('FinishOperationFunction', 'finish-operation'),
      connector,
      logGroup: new LogGroup(this, 'GuestOperationLogs', { retention: RetentionDays.THREE_MONTHS }),
    });
    sweep.addEnvironment(ENV.pruneLaneStateMachineArn, this.policyRun.laneStateMachine.stateMachineArn);
    this.policyRun.laneStateMachine.grantStartExecution(sweep);
    fn.addEnvironment(ENV.operationStateMachineArn, this.guestOperations.stateMachine.stateMachineArn);
    this.guestOperations.stateMachine.grantStartExecution(fn);
    fn.addEnvironment(ENV.policyRunStateMachineArn, this.policyRun.stateMachine.stateMachineArn);
    this.policyRun.stateMachine.grantStartExecution(fn);

    // ---- one EventBridge Scheduler schedule per policy, written by the API ----
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start policy runs',
    });
    this.policyRun.stateMachine.grantStartExecution(schedulerRole);
    props.scheduleDeadLetters.grantSendMessages(schedulerRole);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [
          Stack.of(this).formatArn({
            service: 'scheduler',
            resource: 'schedule',
            resourceName: `${props.scheduleGroup.scheduleGroupName}/*`,
          }),
        ],
      }),
    );
    schedulerRole.grantPassRole(fn.grantPrincipal);
    Validations.of(fn.role ?? fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${Stack.of(this).resolve(props.scheduleGroup.scheduleGroupName)}/*]`,
      reason:
        'Schedules are created per policy at run time; the grant covers only the service\u2019s schedule group.',
    });
    fn.addEnvironment(ENV.scheduleGroupName, props.scheduleGroup.scheduleGroupName);
    fn.addEnvironment(ENV.schedulerRoleArn, schedulerRole.roleArn);
    fn.addEnvironment(ENV.scheduleDeadLetterArn, props.scheduleDeadLetters.queueArn);

    this.httpApi = new ServiceHttpApi(this, 'HttpApi', {
      handler: fn,
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
    });

    // ---- notifications: topic → queue (with dead letters) → notifier ----
    const notifierDeadLetters = new Queue(this, 'NotifierDeadLetters', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    const notifierQueue = new Queue(this, 'NotifierQueue', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      // Longer than the notifier's timeout, which covers a webhook's retries.
      visibilityTimeout: Duration.minutes(6),
      deadLetterQueue: { queue: notifierDeadLetters, maxReceiveCount: 5 },
    });
    props.topic.addSubscription(new SqsSubscription(notifierQueue, { rawMessageDelivery: true }));
    const notifier = new ServiceFunction(this, 'NotifierFunction', {
      entry: 'functions/notifier/sqs-notifier.ts',
      // A webhook's five attempts with backoff and 10 s timeouts take up to about 65 s.
      timeout: Duration.minutes(2),
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.secretPrefix]: props.clusterSecretPrefix,
        [ENV.publicApiUrl]: this.httpApi.api.apiEndpoint,
        [ENV.confirmationKeySecretArn]: props.confirmationKey.secretArn,
        ...(props.mailFrom ? { [ENV.mailFrom]: props.mailFrom } : {}),
        ...(props.smtpSecretArn ? { [ENV.smtpSecretArn]: props.smtpSecretArn } : {}),
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-notifier',
      },
    }).function;
    props.table.grantReadWriteData(notifier);
    props.confirmationKey.grantRead(notifier);
    notifier.addEventSource(
      new SqsEventSource(notifierQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    // Webhook signing secrets live under the service prefix; the SMTP secret is read once per cold start.
    notifier.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [clusterSecrets, ...(props.smtpSecretArn ? [props.smtpSecretArn] : [])],
      }),
    );
    Validations.of(notifier.role ?? notifier).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${props.clusterSecretPrefix}/*]`,
      reason:
        'Webhook signing secrets are created per subscription at run time, all under the service prefix.',
    });
    Validations.of(notifier.role ?? notifier).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${Stack.of(props.table).stackName}:ExportsOutputFnGetAttDataTableFDBAD0F2Arn2713A995/index/*]`,
      reason: 'Read access to the table’s GSIs, which are only addressable as <table>/index/*.',
    });

    this.alarmTopic = new Topic(this, 'Alarms', { enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const alarm = (id: string, metric: ReturnType<typeof fn.metricErrors>, description: string) =>
      new Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new SnsAction(this.alarmTopic));
    alarm(
      'Api5xx',
      this.httpApi.api.metricServerError({ period: Duration.minutes(5) }),
      'The API answered with 5xx',
    );
    alarm('ApiFunctionErrors', fn.metricErrors({ period: Duration.minutes(5) }), 'The API function failed');
    alarm(
      'ApiFunctionThrottles',
      fn.metricThrottles({ period: Duration.minutes(5) }),
      'The API function was throttled',
    );
  }
}
