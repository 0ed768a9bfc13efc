import { Duration } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { functionTimeoutSeconds } from '#shared/config/time-budgets.ts';
import { ServiceFunction } from './api-function.ts';
import { readsSecret, secretsUnder, tableReadWrite } from './function-uses.ts';
import { uniqueIdOutsideWirings, Wiring } from './wiring.ts';

export interface NotificationPipelineProps {
  /** The topic domain events are published to. */
  readonly topic: ITopic;
  readonly table: TableV2;
  /** The notifier makes confirmation codes MAC-ed with this key. */
  readonly confirmationKey: ISecret;
  /** Webhook signing secrets live under this prefix (the notifier may read no other). */
  readonly webhookSecretPrefix: string;
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
        [ENV.publicApiUrl]: props.publicApiUrl,
        ...(props.mailFrom ? { [ENV.mailFrom]: props.mailFrom } : {}),
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-notifier',
      },
      // The notifier talks to arbitrary internet addresses: it may read the webhook signing
      // secrets and its SMTP secret, never a cluster's Proxmox token.
      uses: [
        tableReadWrite(props.table),
        readsSecret(ENV.confirmationKeySecretArn, props.confirmationKey),
        secretsUnder(
          ENV.webhookSecretPrefix,
          props.webhookSecretPrefix,
          'read',
          'Webhook signing secrets are created per subscription at run time, all under the webhook prefix.',
        ),
        ...(props.smtpSecretArn ? [readsSecret(ENV.smtpSecretArn, props.smtpSecretArn)] : []),
      ],
    }).function;
    this.function = notifier;
    // What `SqsEventSource` does, under the id it would give outside this grouping: Lambda refuses a
    // second mapping of the same queue and function, so a renamed mapping could not be replaced.
    notifier.addEventSourceMapping(`SqsEventSource:${uniqueIdOutsideWirings(this.queue)}`, {
      eventSourceArn: this.queue.queueArn,
      batchSize: 10,
      reportBatchItemFailures: true,
    });
    this.queue.grantConsumeMessages(notifier);
  }
}
