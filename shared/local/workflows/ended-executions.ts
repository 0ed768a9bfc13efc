import type { Logger } from '@aws-lambda-powertools/logger';
import { type EndedExecution, finishEndedExecution } from '#shared/services/ended-executions.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { LocalEndedExecution } from './local-workflow-runner.ts';

/**
 * Plays the EventBridge rule on Step Functions status changes locally: an execution of the policy
 * run or of a guest operation that ended FAILED, TIMED_OUT or ABORTED goes to the same handler as
 * in AWS, which finishes its run or operation.
 */
export function endedExecutionHandler(
  deps: ServiceDeps,
  arns: { readonly policyRunArn: string; readonly operationArn: string; readonly restoreTestArn: string },
  logger: Logger,
): (ended: LocalEndedExecution) => void {
  const workflowOf: Record<string, EndedExecution['workflow']> = {
    [arns.policyRunArn]: 'policy-run',
    [arns.operationArn]: 'guest-operation',
    [arns.restoreTestArn]: 'restore-test',
  };
  return (ended) => {
    const workflow = workflowOf[ended.arn];
    if (!workflow) return;
    const { status, input, error, cause } = ended;
    void finishEndedExecution(deps, {
      workflow,
      status,
      input,
      ...(error ? { error } : {}),
      ...(cause ? { cause } : {}),
    })
      .then((outcome) =>
        logger.warn('workflow execution ended early', { execution: ended.name, status, outcome }),
      )
      .catch((failure: unknown) =>
        logger.error('an ended execution could not be finished', {
          execution: ended.name,
          error: failure as Error,
        }),
      );
  };
}
