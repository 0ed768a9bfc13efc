import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { invokesFunction } from './function-uses.ts';
import { acknowledgeInvoke } from './nag-acknowledgements.ts';
import { Wiring } from './wiring.ts';
import { stepUses, type WorkflowStepDependencies, workflowStep } from './workflow-steps.ts';

export interface RpoMonitorProps extends WorkflowStepDependencies {
  /** Where Scheduler puts a tick it could not deliver. */
  readonly deadLetters: IQueue;
  /** Minutes between checks. Default 15. */
  readonly everyMinutes?: number;
  /** Tenants checked at once (reserved concurrency of the worker). Default 5. */
  readonly workerConcurrency?: number;
}

/**
 * The scheduled RPO check (the dead-man's switch), fanned out per tenant as the daily sweep is: a
 * schedule invokes the planner, which lists the registered tenants (a Query) and invokes the
 * worker asynchronously once per tenant; the worker reads the tenant's guests' newest recovery
 * points and publishes `rpo.breached` / `rpo.recovered` once per episode. It never calls Proxmox.
 */
export class RpoMonitor extends Wiring {
  public readonly function: LambdaFunction;
  public readonly worker: LambdaFunction;
  /** Tenants whose check failed three times. */
  public readonly workerDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: RpoMonitorProps) {
    super(scope, id);
    const { reads, writes, publishes } = stepUses(props);
    // Writes only its episode items; reads the inventory, policies and recovery points.
    const worker = workflowStep(this, 'RpoCheckWorkerFunction', 'rpo-check-worker', [writes, publishes]);
    this.worker = worker;
    const planner = workflowStep(this, 'RpoCheckFunction', 'rpo-check', [
      reads,
      invokesFunction(
        ENV.rpoCheckWorkerFunctionName,
        worker,
        'Invoking the RPO check worker includes its versions and aliases (<arn>:*), nothing else.',
      ),
    ]);
    this.function = planner;
    this.workerDeadLetters = new Queue(this, 'RpoCheckDeadLetters', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.workerDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the RPO check worker.',
    });
    const cfnWorker = worker.node.defaultChild as CfnFunction;
    cfnWorker.reservedConcurrentExecutions = props.workerConcurrency ?? 5;
    cfnWorker.deadLetterConfig = { targetArn: this.workerDeadLetters.queueArn };
    this.workerDeadLetters.grantSendMessages(worker);
    // A check older than the next one is worth nothing: drop it rather than run it late.
    worker.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1) });

    const role = new Role(this, 'RpoCheckSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start the RPO check',
    });
    acknowledgeInvoke(
      role,
      planner,
      'Invoking the RPO check function includes its versions and aliases (<arn>:*), nothing else.',
    );
    new Schedule(this, 'RpoCheckSchedule', {
      schedule: ScheduleExpression.rate(Duration.minutes(props.everyMinutes ?? 15)),
      target: new LambdaInvoke(planner, { role, deadLetterQueue: props.deadLetters, retryAttempts: 3 }),
      description: 'RPO check of every tenant: guests whose newest recovery point is too old',
    });
  }
}
