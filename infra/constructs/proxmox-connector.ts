import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { ServiceFunction } from './api-function.ts';
import { secretsUnder, tableReadAndUpdate } from './function-uses.ts';
import { Wiring } from './wiring.ts';

export interface ProxmoxConnectorProps {
  readonly table: TableV2;
  readonly clusterSecretPrefix: string;
  /** The operator's plans JSON (`TENANT_PLANS`): a run checks each guest against its tenant's plan. Default: the built-in plans. */
  readonly tenantPlans?: string;
  /** The plan a tenant without a profile yet is checked against (`DEFAULT_PLAN`). Default: `standard`. */
  readonly defaultPlan?: string;
}

/**
 * The only function that talks to Proxmox: it reads the table and the token secret of the cluster
 * a command names, and writes only the storage guard's per-run counters and, for `pruneBeforeBackup`, the archives it deleted with their audit events and usage counter (no deletes). A function that calls it declares the use `invokes` (the
 * state machines grant themselves in their own constructs).
 */
export class ProxmoxConnector extends Wiring {
  public readonly service: ServiceFunction;
  public readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: ProxmoxConnectorProps) {
    super(scope, id);
    this.service = new ServiceFunction(this, 'ConnectorFunction', {
      entry: 'functions/connector/proxmox-connector.ts',
      environment: {
        POWERTOOLS_SERVICE_NAME: 'pve-snapshots-connector',
        ...(props.tenantPlans ? { [ENV.tenantPlans]: props.tenantPlans } : {}),
        ...(props.defaultPlan ? { [ENV.defaultPlan]: props.defaultPlan } : {}),
      },
      uses: [
        tableReadAndUpdate(props.table),
        secretsUnder(
          ENV.secretPrefix,
          props.clusterSecretPrefix,
          'read',
          'The connector reads the token secret of whichever cluster a command names; all live under the service prefix.',
        ),
      ],
    });
    this.function = this.service.function;
  }
}
