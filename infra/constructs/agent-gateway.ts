import { Stack, Validations } from 'aws-cdk-lib';
import { type CfnRoute, type CfnStage, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { ServiceFunction } from './api-function.ts';
import type { DomainEvents } from './domain-events.ts';
import {
  answersTasksOf,
  publishesEvents,
  readsSecret,
  tableReadOnly,
  tableReadWrite,
  type Use,
} from './function-uses.ts';
import { acknowledgeWildcard } from './nag-acknowledgements.ts';
import { Wiring } from './wiring.ts';

export interface AgentGatewayProps {
  readonly table: TableV2;
  readonly events: DomainEvents;
  /** The connector: pushes commands to agents and waits for their answers in the table. */
  readonly connector: ServiceFunction;
  /** The API function: closes a revoked key's connection. */
  readonly api: ServiceFunction;
  /** The key command ids are signed with (the connector) and answers checked against (the routes). */
  readonly commandKey: ISecret;
}

/**
 * The agents' WebSocket API: agents inside tenants' networks connect out to it (`wss://`, 443).
 * `$connect` is authorized by the agent key (a Lambda REQUEST authorizer); `$connect`,
 * `$disconnect` and `$default` run the same route code as the local WebSocket gateway. The
 * connector pushes commands with PostToConnection.
 */
export class AgentGateway extends Wiring {
  public readonly webSocketApi: WebSocketApi;
  public readonly stage: WebSocketStage;
  /** The `$connect` authorizer (checks the agent key). */
  public readonly authorizerFunction: LambdaFunction;
  /** `$connect`, `$disconnect` and `$default`: the agents' messages. */
  public readonly routesFunction: LambdaFunction;
  readonly #routes: ServiceFunction;

  constructor(scope: Construct, id: string, props: AgentGatewayProps) {
    super(scope, id);
    const authorizerFunction = new ServiceFunction(this, 'AgentAuthorizerFunction', {
      entry: 'functions/agent/agent-authorizer.ts',
      environment: { POWERTOOLS_SERVICE_NAME: 'pve-snapshots-agent-authorizer' },
      uses: [tableReadOnly(props.table)],
    }).function;
    const routes = new ServiceFunction(this, 'AgentWebSocketFunction', {
      entry: 'functions/agent/agent-websocket.ts',
      environment: { POWERTOOLS_SERVICE_NAME: 'pve-snapshots-agent-websocket' },
      uses: [tableReadWrite(props.table)],
    });
    const routesFunction = routes.function;
    this.#routes = routes;
    this.authorizerFunction = authorizerFunction;
    this.routesFunction = routesFunction;

    const integration = new WebSocketLambdaIntegration('AgentRoutes', routesFunction);
    this.webSocketApi = new WebSocketApi(this, 'AgentApi', {
      description: 'Outbound-only agents of agent-connected Proxmox clusters',
      connectRouteOptions: {
        integration,
        authorizer: new WebSocketLambdaAuthorizer('AgentKey', authorizerFunction, {
          identitySource: ['route.request.header.Authorization'],
        }),
      },
      disconnectRouteOptions: { integration },
      defaultRouteOptions: { integration },
    });
    // API Gateway authorizes a WebSocket connection once, at $connect; later routes of the
    // connection carry the authorizer's context (tenant, cluster, key), checked again per message.
    for (const route of ['$disconnect', '$default']) {
      const resource = this.webSocketApi.node.findChild(`${route}-Route`).node.defaultChild as CfnRoute;
      Validations.of(resource).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'WebSocket routes after $connect run on a connection its key authorizer admitted.',
      });
    }
    // Rate limits for all agents together (each connection has its own, AGENT_MESSAGE_LIMITS): an
    // answer per command, a run polling each task in flight every 2 s. Below the account's
    // 10,000 requests a second that the HTTP API shares.
    this.stage = new WebSocketStage(this, 'AgentStage', {
      webSocketApi: this.webSocketApi,
      stageName: 'agent',
      autoDeploy: true,
      throttle: { rateLimit: 5000, burstLimit: 10_000 },
    });
    const accessLogs = new LogGroup(this, 'AgentAccessLogs', { retention: RetentionDays.THREE_MONTHS });
    (this.stage.node.defaultChild as CfnStage).accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        connectionId: '$context.connectionId',
        status: '$context.status',
        tenant: '$context.authorizer.tenantId',
        cluster: '$context.authorizer.clusterId',
        error: '$context.authorizer.error',
      }),
    };

    const connections = Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.webSocketApi.apiId,
      resourceName: `${this.stage.stageName}/*/@connections/*`,
    });
    const managesConnections: Use = {
      environment: { [ENV.agentConnectionsEndpoint]: this.stage.callbackUrl },
      grant(fn) {
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['execute-api:ManageConnections'], resources: [connections] }),
        );
        acknowledgeWildcard(
          fn,
          connections,
          'Agent connections have ids API Gateway assigns at connect time.',
        );
      },
    };
    const signsCommands = readsSecret(ENV.agentCommandKeySecretArn, props.commandKey);
    routes.use(managesConnections, signsCommands);
    props.api.use(managesConnections);
    // The connector records a followed task's workflow token (and an offline episode's report) and
    // publishes `agent.offline`; it reads the answers. It never deletes: put and update only.
    props.connector.use(managesConnections, publishesEvents(props.events), signsCommands);
    props.table.grant(props.connector.function, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
  }

  /** An agent's reports of the tasks it follows answer the waiting tasks of `stateMachine`. */
  answersTasksOf(stateMachine: IStateMachine): void {
    this.#routes.use(answersTasksOf(stateMachine));
  }
}
