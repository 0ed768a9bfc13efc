import { Duration } from 'aws-cdk-lib';
import { JitterType, type TaskStateBase } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, type LambdaInvokeProps } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/**
 * Errors of the Lambda service itself, not of the function: the invocation was throttled (the
 * account's or the function's concurrency) or met a transient fault on the way. Step Functions
 * names them `Lambda.<exception>` (Step Functions best practices, "Handle Lambda service
 * exceptions"). CDK's default retrier for them leaves out throttling and adds no jitter.
 */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/**
 * Errors of a `states:startExecution` task that mean the child never started: too many open
 * executions (`ExecutionLimitExceeded`, as the Step Functions developer guide names it) or the
 * StartExecution API throttled.
 */
const START_EXECUTION_TRANSIENT_ERRORS = [
  'StepFunctions.ExecutionLimitExceeded',
  'StepFunctions.ThrottlingException',
  'StepFunctions.SfnException',
] as const;

/**
 * A `lambda:invoke` task whose first retrier covers the Lambda service's transient errors,
 * throttling included, with exponential backoff and full jitter, so thousands of guests throttled
 * at once do not all come back at the same moment. Every workflow's Lambda tasks are made here.
 * Retrying is safe for every task: the service's steps are idempotent and a connector call that
 * changes state is recognised when repeated (a snapshot's name is taken, a deleted one is gone).
 */
export function lambdaTask(scope: Construct, id: string, props: LambdaInvokeProps): LambdaInvoke {
  const task = new LambdaInvoke(scope, id, { ...props, retryOnServiceExceptions: false });
  task.addRetry({
    errors: [...LAMBDA_TRANSIENT_ERRORS],
    interval: Duration.seconds(1),
    maxAttempts: 8,
    backoffRate: 2,
    maxDelay: Duration.seconds(60),
    jitterStrategy: JitterType.FULL,
  });
  return task;
}

/** Retries a StartExecution task whose child could not be started yet (see {@link START_EXECUTION_TRANSIENT_ERRORS}). */
export function retryStartExecution(task: TaskStateBase): void {
  task.addRetry({
    errors: [...START_EXECUTION_TRANSIENT_ERRORS],
    interval: Duration.seconds(2),
    maxAttempts: 10,
    backoffRate: 2,
    maxDelay: Duration.minutes(2),
    jitterStrategy: JitterType.FULL,
  });
}
