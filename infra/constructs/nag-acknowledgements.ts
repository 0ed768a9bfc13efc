import { Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
// cdk-nag names a wildcard resource by flattening its CloudFormation value with this function;
// using it here keeps acknowledgement ids equal to the findings by construction.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** The cdk-nag id of a wildcard resource (`AwsSolutions-IAM5[Resource::...]`) as seen from `scope`'s stack. */
function wildcardResourceId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}

/** The table's GSIs as a grant in `scope`'s stack names them (an import when the table lives elsewhere). */
export function tableIndexesArn(scope: IConstruct, table: ITable): string {
  const owner = Stack.of(table);
  const tableArn = owner === Stack.of(scope) ? table.tableArn : owner.exportValue(table.tableArn);
  return `${tableArn}/index/*`;
}

/** Acknowledges the IAM5 finding on `resource` (an ARN with a wildcard) for `grantee`'s role. */
export function acknowledgeWildcard(grantee: IFunction | IRole, resource: string, reason: string): void {
  const role = 'functionArn' in grantee ? (grantee.role ?? grantee) : grantee;
  Validations.of(role).acknowledge({ id: wildcardResourceId(role, resource), reason });
}

/** Acknowledges that invoking `fn` covers its versions and aliases (`<arn>:*`), which grantInvoke adds. */
export function acknowledgeInvoke(grantee: IFunction | IRole, fn: IFunction, reason: string): void {
  acknowledgeWildcard(grantee, `${fn.functionArn}:*`, reason);
}
