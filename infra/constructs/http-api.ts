import { Duration, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OPERATOR_PREFIX, OPERATOR_SCOPE } from '#shared/api/plans/operator-scope.ts';
import { PUBLIC_ROUTES } from '#shared/api/public-routes.ts';

export interface ServiceHttpApiProps {
  /** The function that answers every route. */
  readonly handler: IFunction;
  /** Issuer of the tokens the JWT authorizer accepts (e.g. a Cognito user pool URL). */
  readonly jwtIssuer: string;
  /** Audiences (client ids) the JWT authorizer accepts. */
  readonly jwtAudience: string[];
  /** How long access logs are kept. Default: three months. */
  readonly logRetention?: RetentionDays;
}

/**
 * The HTTP API: public routes (health, docs) without a token, everything else behind the JWT
 * authorizer, all answered by one Lambda function; access logs in JSON.
 */
export class ServiceHttpApi extends Construct {
  public readonly api: HttpApi;
  public readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceHttpApiProps) {
    super(scope, id);
    const integration = new HttpLambdaIntegration('Handler', props.handler, {
      timeout: Duration.seconds(29),
    });
    const authorizer = new HttpJwtAuthorizer('Jwt', props.jwtIssuer, { jwtAudience: props.jwtAudience });
    this.api = new HttpApi(this, 'Api', { description: 'Proxmox VE snapshot and backup service' });

    for (const route of PUBLIC_ROUTES) {
      const publicRoute = new HttpRoute(this, `Public${route.path.replaceAll(/[^A-Za-z0-9]/g, '')}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration,
      });
      Validations.of(publicRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Health and the API documentation are public by design and reveal no tenant data; a hook callback is authenticated by its one-time token and the policy\u2019s hook signature, which the route checks.',
      });
    }
    new HttpRoute(this, 'Protected', {
      httpApi: this.api,
      routeKey: HttpRouteKey.with('/{proxy+}', HttpMethod.ANY),
      integration,
      authorizer,
    });
    // The service operator's routes: API Gateway lets only tokens with the operator scope in
    // (the app checks again), so no tenant token reaches them.
    new HttpRoute(this, 'Operator', {
      httpApi: this.api,
      routeKey: HttpRouteKey.with(`${OPERATOR_PREFIX}/{proxy+}`, HttpMethod.ANY),
      integration,
      authorizer,
      authorizationScopes: [OPERATOR_SCOPE],
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
    });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: this.accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        tenant: '$context.authorizer.claims.tenant',
        error: '$context.authorizer.error',
      }),
    };
  }
}
