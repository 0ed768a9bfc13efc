import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** ARN pattern of the secrets the service creates at run time (cluster tokens, webhook keys), all under one prefix. */
export function serviceSecretsArn(scope: IConstruct, prefix: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}/*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
