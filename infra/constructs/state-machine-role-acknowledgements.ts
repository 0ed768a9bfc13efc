import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/**
 * cdk-nag acknowledgements every state machine role of the service needs, with their reasons:
 * invoking a task function covers its versions and aliases, and X-Ray and log delivery have no
 * resource-level permissions.
 */
export function acknowledgeStateMachineRole(role: IRole, functions: readonly IFunction[]): void {
  for (const fn of functions) {
    const resource = fn.node.defaultChild as CfnResource | undefined;
    if (!resource) continue;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(resource)}.Arn>:*]`,
      reason:
        'Invoking a task function includes its versions and aliases (<arn>:*); nothing else is granted.',
    });
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray tracing and CloudWatch Logs delivery for Step Functions support no resource-level permissions.',
  });
}
