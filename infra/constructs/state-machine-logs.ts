import { Stack } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * The execution log group of a state machine. Its name must start with `/aws/vendedlogs/states/`:
 * Step Functions delivers logs as a vended log source, and for a group outside that prefix it
 * adds the group to the account's CloudWatch Logs resource policy, whose size limit (5,120
 * characters) makes creation fail once enough groups are listed. The stack's name keeps the
 * names of two deployments in one account apart.
 */
export function stateMachineLogGroup(scope: Construct, id: string, name: string): LogGroup {
  return new LogGroup(scope, id, {
    logGroupName: `/aws/vendedlogs/states/${Stack.of(scope).stackName}-${name}`,
    retention: RetentionDays.THREE_MONTHS,
  });
}
