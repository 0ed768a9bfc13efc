import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { ServiceFunction } from './api-function.ts';
import type { DomainEvents } from './domain-events.ts';
import { publishesEvents, readsSecret, secretsUnder, tableReadWrite } from './function-uses.ts';
import { ServiceHttpApi } from './http-api.ts';
import { Wiring } from './wiring.ts';

export interface ServiceApiProps {
  readonly table: TableV2;
  readonly cursorKey: ISecret;
  /** The API checks confirmation codes MAC-ed with this key. */
  readonly confirmationKey: ISecret;
  readonly clusterSecretPrefix: string;
  /** Name prefix of the webhook signing secrets. */
  readonly webhookSecretPrefix: string;
  readonly events: DomainEvents;
  /** Claim names carrying the tenant id and role. Default: `tenant`, `role`. */
  readonly claims?: { readonly tenant: string; readonly role: string };
  /** The operator's plans as JSON (checked at synth). Default: new tenants start empty. */
  readonly tenantPlans?: string;
  /** The plan new tenants start on (`DEFAULT_PLAN`). Default: `standard`. */
  readonly defaultPlan?: string;
  /** Issuer of accepted JWTs. */
  readonly jwtIssuer: string;
  /** Accepted JWT audiences. */
  readonly jwtAudience: string[];
}

/**
 * The API: the HTTP API (JWT authorizer) in front of the API function, and what the function may
 * touch directly: the table, the cursor and confirmation keys, the cluster token and webhook
 * secrets under their prefixes, and domain events. The connector, the workflows it starts and the policy
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
        [ENV.tenantClaim]: props.claims?.tenant ?? 'tenant',
        [ENV.roleClaim]: props.claims?.role ?? 'role',
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-api',
        ...(props.tenantPlans ? { [ENV.tenantPlans]: props.tenantPlans } : {}),
        ...(props.defaultPlan ? { [ENV.defaultPlan]: props.defaultPlan } : {}),
      },
      uses: [
        tableReadWrite(props.table),
        publishesEvents(props.events),
        readsSecret(ENV.cursorKeySecretArn, props.cursorKey),
        readsSecret(ENV.confirmationKeySecretArn, props.confirmationKey),
        // Token and webhook secrets are created at run time (per cluster, per subscription), each
        // kind under its own name prefix.
        secretsUnder(
          ENV.secretPrefix,
          props.clusterSecretPrefix,
          'manage',
          'Token secrets are created per cluster at run time; the grant is limited to the cluster prefix.',
        ),
        secretsUnder(
          ENV.webhookSecretPrefix,
          props.webhookSecretPrefix,
          'manage',
          'Webhook signing secrets are created per subscription at run time; the grant is limited to the webhook prefix.',
        ),
      ],
    });
    const fn = this.service.function;
    this.function = fn;
    this.httpApi = new ServiceHttpApi(this, 'HttpApi', {
      handler: fn,
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
    });
  }
}
