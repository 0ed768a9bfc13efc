import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { ServiceFunction } from './api-function.ts';
import { allowPublishingEvents, type DomainEvents } from './domain-events.ts';
import { ServiceHttpApi } from './http-api.ts';
import { acknowledgeWildcard, tableIndexesArn } from './nag-acknowledgements.ts';
import { serviceSecretsArn } from './service-secrets.ts';
import { Wiring } from './wiring.ts';

export interface ServiceApiProps {
  readonly table: TableV2;
  readonly cursorKey: ISecret;
  /** The API checks confirmation codes MAC-ed with this key. */
  readonly confirmationKey: ISecret;
  readonly clusterSecretPrefix: string;
  readonly events: DomainEvents;
  /** Claim names carrying the tenant id and role. Default: `tenant`, `role`. */
  readonly claims?: { readonly tenant: string; readonly role: string };
  /** Issuer of accepted JWTs. */
  readonly jwtIssuer: string;
  /** Accepted JWT audiences. */
  readonly jwtAudience: string[];
}

/**
 * The API: the HTTP API (JWT authorizer) in front of the API function, and what the function may
 * touch directly: the table, the cursor and confirmation keys, the cluster token secrets under
 * the service prefix, and domain events. The connector, the workflows it starts and the policy
 * schedules it writes grant themselves to `function` where they are wired.
 */
export class ServiceApi extends Wiring {
  public readonly service: ServiceFunction;
  public readonly function: LambdaFunction;
  public readonly httpApi: ServiceHttpApi;

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id);
    this.service = new ServiceFunction(this, 'ApiFunction', {
      entry: 'functions/api/http-api.ts',
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.cursorKeySecretArn]: props.cursorKey.secretArn,
        [ENV.confirmationKeySecretArn]: props.confirmationKey.secretArn,
        [ENV.secretPrefix]: props.clusterSecretPrefix,
        [ENV.tenantClaim]: props.claims?.tenant ?? 'tenant',
        [ENV.roleClaim]: props.claims?.role ?? 'role',
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-api',
      },
    });
    const fn = this.service.function;
    this.function = fn;
    allowPublishingEvents(fn, props.events);
    props.table.grantReadWriteData(fn);
    props.cursorKey.grantRead(fn);
    props.confirmationKey.grantRead(fn);
    // Token secrets are created per cluster at run time, all under one name prefix.
    const clusterSecrets = serviceSecretsArn(this, props.clusterSecretPrefix);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:GetSecretValue',
          'secretsmanager:DeleteSecret',
        ],
        resources: [clusterSecrets],
      }),
    );
    acknowledgeWildcard(
      fn,
      clusterSecrets,
      'Token secrets are created per cluster at run time; the grant is limited to the service prefix.',
    );
    acknowledgeWildcard(
      fn,
      tableIndexesArn(fn, props.table),
      'Queries use the table\u2019s GSIs, which are only addressable as <table>/index/*.',
    );
    this.httpApi = new ServiceHttpApi(this, 'HttpApi', {
      handler: fn,
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
    });
  }
}
