import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { acknowledgeWildcard } from './nag-acknowledgements.ts';
import { Wiring } from './wiring.ts';

export interface PolicySchedulesProps {
  /** The function that writes one schedule per policy (the API). */
  readonly writer: LambdaFunction;
  /** The policy-run state machine each schedule starts. */
  readonly policyRun: IStateMachine;
  /** The restore-test state machine each restore test's schedule starts. */
  readonly restoreTest?: IStateMachine;
  readonly scheduleGroup: IScheduleGroup;
  /** Where Scheduler puts ticks it could not deliver after its retries. */
  readonly deadLetters: IQueue;
}

/**
 * One EventBridge Scheduler schedule per policy, written at run time by the API: the role the
 * schedules assume (may only start policy runs and dead-letter a tick), and the writer's right to
 * manage schedules in the service's group alone and to pass that role.
 */
export class PolicySchedules extends Wiring {
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: PolicySchedulesProps) {
    super(scope, id);
    this.role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler start policy runs',
    });
    props.policyRun.grantStartExecution(this.role);
    props.restoreTest?.grantStartExecution(this.role);
    props.deadLetters.grantSendMessages(this.role);
    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${props.scheduleGroup.scheduleGroupName}/*`,
    });
    const writer = props.writer;
    writer.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [schedules],
      }),
    );
    this.role.grantPassRole(writer.grantPrincipal);
    acknowledgeWildcard(
      writer,
      schedules,
      'Schedules are created per policy at run time; the grant covers only the service\u2019s schedule group.',
    );
    writer.addEnvironment(ENV.scheduleGroupName, props.scheduleGroup.scheduleGroupName);
    writer.addEnvironment(ENV.schedulerRoleArn, this.role.roleArn);
    writer.addEnvironment(ENV.scheduleDeadLetterArn, props.deadLetters.queueArn);
  }
}
