import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { ServiceFunction } from './api-function.ts';
import { acknowledgeInvoke, acknowledgeWildcard, tableIndexesArn } from './nag-acknowledgements.ts';
import { serviceSecretsArn } from './service-secrets.ts';
import { Wiring } from './wiring.ts';

export interface ProxmoxConnectorProps {
  readonly table: TableV2;
  readonly clusterSecretPrefix: string;
}

/**
 * The only function that talks to Proxmox: it reads the table and the token secret of the cluster
 * a command names, and nothing else. Calling functions are let in by `allowInvoke` (the state
 * machines grant themselves in their own constructs).
 */
export class ProxmoxConnector extends Wiring {
  public readonly service: ServiceFunction;
  public readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: ProxmoxConnectorProps) {
    super(scope, id);
    this.service = new ServiceFunction(this, 'ConnectorFunction', {
      entry: 'functions/connector/proxmox-connector.ts',
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.secretPrefix]: props.clusterSecretPrefix,
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-connector',
      },
    });
    const connector = this.service.function;
    this.function = connector;
    props.table.grantReadData(connector);
    const clusterSecrets = serviceSecretsArn(this, props.clusterSecretPrefix);
    connector.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [clusterSecrets] }),
    );
    acknowledgeWildcard(
      connector,
      clusterSecrets,
      'The connector reads the token secret of whichever cluster a command names; all live under the service prefix.',
    );
    acknowledgeWildcard(
      connector,
      tableIndexesArn(connector, props.table),
      'Read access to the table\u2019s GSIs, which are only addressable as <table>/index/*.',
    );
  }

  /** Lets a function call the connector (the only way to Proxmox), with the grant's nag acknowledgement. */
  allowInvoke(caller: LambdaFunction): void {
    this.function.grantInvoke(caller);
    acknowledgeInvoke(
      caller,
      this.function,
      'grantInvoke covers the connector function\u2019s versions and aliases (<arn>:*), nothing else.',
    );
  }
}
