import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type IStateMachine, JitterType, TaskInput, type Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke, LambdaInvokeProps } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { lambdaTask } from './task-retries.ts';

/**
 * A call of one of the service's own steps. They are idempotent, so a transient failure
 * (throttling, a publish that did not go through) is retried where it happened instead of
 * losing a result or an event.
 */
export function serviceStep(
  scope: Construct,
  name: string,
  fn: IFunction,
  timeout: Timeout,
  props: Omit<LambdaInvokeProps, 'lambdaFunction'>,
): LambdaInvoke {
  const step = lambdaTask(scope, name, { lambdaFunction: fn, taskTimeout: timeout, ...props });
  step.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 3, backoffRate: 2 });
  return step;
}

/** Where a connector call finds its tenant and cluster: a guest's item or a retention deletion. */
export type ConnectorTarget = '$.item' | '$.deletion';

/** One command to the connector for the cluster of `on` (a guest's item or a deletion). */
export function connectorCall(
  scope: Construct,
  connector: IFunction,
  timeout: Timeout,
  call: {
    readonly name: string;
    /** The command, or an expression that builds it (an intrinsic function). */
    readonly command: Record<string, unknown> | string;
    readonly resultPath: string;
    readonly on?: ConnectorTarget;
    readonly extra?: Record<string, unknown>;
  },
): LambdaInvoke {
  const on = call.on ?? '$.item';
  return lambdaTask(scope, call.name, {
    lambdaFunction: connector,
    payload: TaskInput.fromObject({
      'tenantId.$': `${on}.tenantId`,
      'clusterId.$': `${on}.clusterId`,
      ...(typeof call.command === 'string' ? { 'command.$': call.command } : { command: call.command }),
      ...call.extra,
    }),
    resultSelector: { 'value.$': '$.Payload' },
    resultPath: call.resultPath,
    taskTimeout: timeout,
  });
}

/** A status poll is a read: a server error or an unreachable node is looked at again with backoff. */
export function retryRead(task: LambdaInvoke): void {
  task.addRetry({
    errors: ['ProxmoxServerError', 'ProxmoxUnreachableError'],
    interval: Duration.seconds(2),
    maxAttempts: 5,
    backoffRate: 2,
    jitterStrategy: JitterType.FULL,
  });
}

/**
 * Lets `parent`'s role follow the executions of the EXPRESS state machine `child` it starts with
 * `startExecution.sync`. The task's own grants (CDK's, as the Step Functions guide's IAM policy
 * for `.sync` has them) describe and stop `execution:<child>*`, the ARN of a Standard execution;
 * an Express execution is `express:<child>:<name>:<id>`, which DescribeExecution takes as a
 * resource of its own and `execution:` does not match (Service Authorization Reference, Step
 * Functions: resource types `execution` and `express`). StopExecution takes only `execution`, and
 * Express executions cannot be stopped (StopExecution API reference), so nothing more is granted.
 * Returns the ARN granted (for its cdk-nag acknowledgement).
 */
export function allowFollowingExpressChild(parent: IStateMachine, child: IStateMachine): string {
  const stack = Stack.of(parent);
  const name = stack.splitArn(child.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
  const executions = stack.formatArn({
    service: 'states',
    resource: 'express',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `${name}:*`,
  });
  parent.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
  );
  return executions;
}
