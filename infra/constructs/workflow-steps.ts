import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { forEachStep, type WorkflowStep } from '#shared/config/workflow-steps.ts';
import { ServiceFunction } from './api-function.ts';
import { allowPublishingEvents, type DomainEvents } from './domain-events.ts';
import { acknowledgeWildcard, tableIndexesArn } from './nag-acknowledgements.ts';
import type { ProxmoxConnector } from './proxmox-connector.ts';
import { Wiring } from './wiring.ts';

/** What every workflow step function is wired to. */
export interface WorkflowStepDependencies {
  readonly table: TableV2;
  readonly clusterSecretPrefix: string;
  readonly connector: ProxmoxConnector;
  readonly events: DomainEvents;
}

/**
 * One step function of a workflow (`functions/workflow/<entry>.ts`): reads and writes the table,
 * publishes domain events and knows the connector's name; calling the connector is granted apart,
 * only to the steps that reach Proxmox.
 */
export function workflowStep(
  scope: Construct,
  id: string,
  entry: string,
  deps: WorkflowStepDependencies,
): LambdaFunction {
  const step = new ServiceFunction(scope, id, {
    entry: `functions/workflow/${entry}.ts`,
    environment: {
      [ENV.tableName]: deps.table.tableName,
      [ENV.secretPrefix]: deps.clusterSecretPrefix,
      [ENV.connectorFunctionName]: deps.connector.function.functionName,
      POWERTOOLS_SERVICE_NAME: `pve-snapshots-${entry}`,
    },
  }).function;
  deps.table.grantReadWriteData(step);
  allowPublishingEvents(step, deps.events);
  acknowledgeWildcard(
    step,
    tableIndexesArn(step, deps.table),
    'Queries use the table\u2019s GSIs, which are only addressable as <table>/index/*.',
  );
  return step;
}

/**
 * The step functions of the policy run (claim, resolve, lanes, record, prune, reconcile, finish) and
 * of guest operations (plan, finish). Only resolving targets (inventory sync) and reconciling
 * (snapshot lists) call the connector themselves; Proxmox commands go from the state machines.
 */
export class WorkflowSteps extends Wiring {
  /** One function per step of {@link WORKFLOW_STEPS}, by the step's property name. */
  public readonly functions: Record<WorkflowStep, LambdaFunction>;

  constructor(scope: Construct, id: string, deps: WorkflowStepDependencies) {
    super(scope, id);
    this.functions = forEachStep((step, entry) =>
      workflowStep(this, `${step[0]?.toUpperCase()}${step.slice(1)}Function`, entry, deps),
    );
    deps.connector.allowInvoke(this.functions.resolveTargets);
    deps.connector.allowInvoke(this.functions.reconcileGuests);
  }
}
