import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { invokesFunction, startsExecutions } from './function-uses.ts';
import { acknowledgeInvoke } from './nag-acknowledgements.ts';
import { Wiring } from './wiring.ts';
import { stepUses, type WorkflowStepDependencies, workflowStep } from './workflow-steps.ts';

export interface DailySweepProps extends WorkflowStepDependencies {
  /** The node-lane state machine the sweep starts in prune-only mode. */
  readonly pruneLanes: IStateMachine;
  /** Where Scheduler puts a daily tick it could not deliver. */
  readonly deadLetters: IQueue;
  /** Sweep units worked at once (reserved concurrency of the worker). Default 10. */
  readonly workerConcurrency?: number;
}

/**
 * The daily sweep, fanned out per tenant: a schedule at 03:30 UTC invokes the planner, which
 * lists the registered tenants (a Query) and invokes the worker asynchronously once per tenant;
 * the worker splits a tenant into chunks of guests (invoking itself per chunk), then reconciles a
 * chunk and starts its prune-only lanes. Lambda's asynchronous queue holds units back while the
 * worker's reserved concurrency is in use, retries a failed unit twice and dead-letters the rest.
 */
export class DailySweep extends Wiring {
  public readonly function: LambdaFunction;
  public readonly worker: LambdaFunction;
  /** Units the worker failed three times (redrive: README, "Operating in AWS"). */
  public readonly workerDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: DailySweepProps) {
    super(scope, id);
    const { reads, writes, callsProxmox, publishes } = stepUses(props);
    const worker = workflowStep(this, 'SweepWorkerFunction', 'sweep-worker', [
      writes,
      callsProxmox,
      publishes,
      startsExecutions(ENV.pruneLaneStateMachineArn, props.pruneLanes),
    ]);
    this.worker = worker;
    // The planner only lists the registered tenants and hands each to the worker.
    const planner = workflowStep(this, 'DailySweepFunction', 'daily-sweep', [
      reads,
      invokesFunction(
        ENV.sweepWorkerFunctionName,
        worker,
        'Invoking the sweep worker includes its versions and aliases (<arn>:*), nothing else.',
      ),
    ]);
    this.function = planner;
    this.workerDeadLetters = new Queue(this, 'SweepDeadLetters', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.workerDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the sweep worker.',
    });
    const cfnWorker = worker.node.defaultChild as CfnFunction;
    cfnWorker.reservedConcurrentExecutions = props.workerConcurrency ?? 10;
    cfnWorker.deadLetterConfig = { targetArn: this.workerDeadLetters.queueArn };
    this.workerDeadLetters.grantSendMessages(worker);
    worker.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6) });
    // The worker enqueues a tenant's chunks to itself (its name is Lambda's own
    // AWS_LAMBDA_FUNCTION_NAME). A policy of its own (not the role's default one, which the
    // function depends on) keeps CloudFormation free of a cycle.
    const selfInvoke = new Policy(this, 'SweepWorkerSelfInvoke', {
      statements: [
        new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [worker.functionArn] }),
      ],
    });
    worker.role?.attachInlinePolicy(selfInvoke);

    const role = new Role(this, 'DailySweepSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start the daily sweep',
    });
    acknowledgeInvoke(
      role,
      planner,
      'Invoking the sweep function includes its versions and aliases (<arn>:*), nothing else.',
    );
    new Schedule(this, 'DailySweepSchedule', {
      schedule: ScheduleExpression.cron({ hour: '3', minute: '30' }),
      target: new LambdaInvoke(planner, { role, deadLetterQueue: props.deadLetters, retryAttempts: 3 }),
      description: 'Daily reconciliation and retention sweep of every tenant',
    });
  }
}
