import { Validations } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { acknowledgeInvoke } from './nag-acknowledgements.ts';

/**
 * cdk-nag acknowledgements every state machine role of the service needs, with their reasons:
 * invoking a task function covers its versions and aliases, and X-Ray and log delivery have no
 * resource-level permissions.
 */
export function acknowledgeStateMachineRole(role: IRole, functions: readonly IFunction[]): void {
  for (const fn of functions) {
    acknowledgeInvoke(
      role,
      fn,
      'Invoking a task function includes its versions and aliases (<arn>:*); nothing else is granted.',
    );
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray tracing and CloudWatch Logs delivery for Step Functions support no resource-level permissions.',
  });
}
