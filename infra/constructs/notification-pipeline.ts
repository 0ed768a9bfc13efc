import { Duration } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { functionTimeoutSeconds } from '#shared/config/time-budgets.ts';
import { ServiceFunction } from './api-function.ts';
import { acknowledgeWildcard, tableIndexesArn } from './nag-acknowledgements.ts';
import { serviceSecretsArn } from './service-secrets.ts';
import { uniqueIdOutsideWirings, Wiring } from './wiring.ts';

export interface NotificationPipelineProps {
  /** The topic domain events are published to. */
  readonly topic: ITopic;
  readonly table: TableV2;
  /** The notifier makes confirmation codes MAC-ed with this key. */
  readonly confirmationKey: ISecret;
  /** Webhook signing secrets live under this prefix. */
  readonly clusterSecretPrefix: string;
  /** The API's public URL, for links in messages. */
  readonly publicApiUrl: string;
  /** A secret `{"url": "smtps://..."}` with SES SMTP credentials; without it email deliveries fail, saying so. */
  readonly smtpSecretArn?: string;
  /** The sender of notification mail (an SES-verified identity). */
  readonly mailFrom?: string;
}

/** The notifier's timeout (its worst case is in time-budgets.ts). */
const NOTIFIER_TIMEOUT = Duration.seconds(functionTimeoutSeconds('functions/notifier/sqs-notifier.ts'));

/**
 * Notifications: topic → queue (five receives, then dead letters for 14 days) → notifier, which
 * reports failed messages one by one and may read webhook and SMTP secrets, nothing else secret.
 */
export class NotificationPipeline extends Wiring {
  public readonly queue: Queue;
  public readonly deadLetters: Queue;
  public readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: NotificationPipelineProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'NotifierDeadLetters', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'NotifierQueue', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      // Three times the notifier's timeout, so a message is not redelivered while a slow batch still runs.
      visibilityTimeout: Duration.minutes(NOTIFIER_TIMEOUT.toMinutes() * 3),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });
    props.topic.addSubscription(new SqsSubscription(this.queue, { rawMessageDelivery: true }));
    const notifier = new ServiceFunction(this, 'NotifierFunction', {
      entry: 'functions/notifier/sqs-notifier.ts',
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.secretPrefix]: props.clusterSecretPrefix,
        [ENV.publicApiUrl]: props.publicApiUrl,
        [ENV.confirmationKeySecretArn]: props.confirmationKey.secretArn,
        ...(props.mailFrom ? { [ENV.mailFrom]: props.mailFrom } : {}),
        ...(props.smtpSecretArn ? { [ENV.smtpSecretArn]: props.smtpSecretArn } : {}),
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-notifier',
      },
    }).function;
    this.function = notifier;
    props.table.grantReadWriteData(notifier);
    props.confirmationKey.grantRead(notifier);
    // What `SqsEventSource` does, under the id it would give outside this grouping: Lambda refuses a
    // second mapping of the same queue and function, so a renamed mapping could not be replaced.
    notifier.addEventSourceMapping(`SqsEventSource:${uniqueIdOutsideWirings(this.queue)}`, {
      eventSourceArn: this.queue.queueArn,
      batchSize: 10,
      reportBatchItemFailures: true,
    });
    this.queue.grantConsumeMessages(notifier);
    // Webhook signing secrets live under the service prefix; the SMTP secret is read once per cold start.
    const webhookSecrets = serviceSecretsArn(this, props.clusterSecretPrefix);
    notifier.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [webhookSecrets, ...(props.smtpSecretArn ? [props.smtpSecretArn] : [])],
      }),
    );
    acknowledgeWildcard(
      notifier,
      webhookSecrets,
      'Webhook signing secrets are created per subscription at run time, all under the service prefix.',
    );
    acknowledgeWildcard(
      notifier,
      tableIndexesArn(notifier, props.table),
      'Read access to the table\u2019s GSIs, which are only addressable as <table>/index/*.',
    );
  }
}
