import { Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { startsExecutions } from './function-uses.ts';
import { acknowledgeInvoke } from './nag-acknowledgements.ts';
import { Wiring } from './wiring.ts';
import { stepUses, type WorkflowStepDependencies, workflowStep } from './workflow-steps.ts';

export interface DailySweepProps extends WorkflowStepDependencies {
  /** The node-lane state machine the sweep starts in prune-only mode. */
  readonly pruneLanes: IStateMachine;
  /** Where Scheduler puts a daily tick it could not deliver. */
  readonly deadLetters: IQueue;
}

/**
 * The daily sweep over every tenant's guests: reconciliation (runs reconcile the guests they
 * touch), then retention's prune-only lanes (runs prune the guests they snapshot). A schedule at
 * 03:30 UTC invokes the sweep function through a role that may invoke only it.
 */
export class DailySweep extends Wiring {
  public readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: DailySweepProps) {
    super(scope, id);
    const { writes, callsProxmox, publishes } = stepUses(props);
    const sweep = workflowStep(this, 'DailySweepFunction', 'daily-sweep', [
      writes,
      callsProxmox,
      publishes,
      startsExecutions(ENV.pruneLaneStateMachineArn, props.pruneLanes),
    ]);
    this.function = sweep;
    const role = new Role(this, 'DailySweepSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start the daily sweep',
    });
    acknowledgeInvoke(
      role,
      sweep,
      'Invoking the sweep function includes its versions and aliases (<arn>:*), nothing else.',
    );
    new Schedule(this, 'DailySweepSchedule', {
      schedule: ScheduleExpression.cron({ hour: '3', minute: '30' }),
      target: new LambdaInvoke(sweep, { role, deadLetterQueue: props.deadLetters, retryAttempts: 3 }),
      description: 'Daily reconciliation and retention sweep of every tenant',
    });
  }
}
