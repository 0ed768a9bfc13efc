import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ServiceTable } from './constructs/service-table.ts';

/**
 * Everything that holds state and must outlive deployments of code: the table, the
 * notification topic, the event bus, the schedule group and the service's own secrets.
 */
export class StatefulStack extends Stack {
  public readonly table: TableV2;
  public readonly topic: Topic;
  public readonly bus: EventBus;
  public readonly scheduleGroup: ScheduleGroup;
  /** Ticks EventBridge Scheduler could not deliver after its retries. */
  public readonly scheduleDeadLetters: Queue;
  /** Random key material that signs pagination cursors. */
  public readonly cursorKey: Secret;
  /** Random key material under which emailed confirmation codes are MAC-ed (never stored plain or hashed). */
  public readonly confirmationKey: Secret;
  /** Random key material that signs the ids of commands sent to agents (their answers are checked against it). */
  public readonly agentCommandKey: Secret;
  /** Name prefix of the per-cluster Proxmox token secrets the service creates at run time. */
  public readonly clusterSecretPrefix = 'pve-snapshots/clusters';
  /** Name prefix of the webhook signing secrets, apart from the tokens: the notifier may read only these. */
  public readonly webhookSecretPrefix = 'pve-snapshots/webhooks';

  constructor(scope: Construct, id: string, props?: StackProps & { readonly replicaRegion?: string }) {
    super(scope, id, props);
    this.table = new ServiceTable(this, 'Data', {
      ...(props?.replicaRegion ? { replicaRegion: props.replicaRegion } : {}),
    }).table;

    const topicKey = new Key(this, 'TopicKey', {
      description: 'Encrypts the notification topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.topic = new Topic(this, 'Notifications', { masterKey: topicKey, enforceSSL: true });
    this.bus = new EventBus(this, 'DomainEvents');
    this.scheduleGroup = new ScheduleGroup(this, 'PolicySchedules');
    this.scheduleDeadLetters = new Queue(this, 'ScheduleDeadLetters', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.scheduleDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the policy schedules.',
    });
    this.cursorKey = new Secret(this, 'CursorKey', {
      description: 'Signs API pagination cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.cursorKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Only signs pagination cursors; replacing the value merely invalidates cursors in flight, so no rotation function is needed.',
    });
    this.confirmationKey = new Secret(this, 'ConfirmationKey', {
      description: 'MACs email confirmation codes (HMAC-SHA-256)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.confirmationKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Only MACs confirmation codes that live 24 hours; replacing the value merely invalidates codes in flight (a new one can be asked for), so no rotation function is needed.',
    });
    this.agentCommandKey = new Secret(this, 'AgentCommandKey', {
      description: 'MACs the ids of commands sent to agents (HMAC-SHA-256)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.agentCommandKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Only MACs command ids valid for about a minute, never stored; replacing the value refuses answers (their commands fail as agent-offline) until the warm connector and WebSocket function instances, which keep the key they read, are replaced (deploy them after replacing it), so no rotation function is needed.',
    });
  }
}
