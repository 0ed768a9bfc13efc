import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ServiceFunction } from './api-function.ts';
import type { DomainEvents } from './domain-events.ts';
import { invokes, publishesEvents, tableReadOnly, tableReadWrite, type Use } from './function-uses.ts';
import type { ProxmoxConnector } from './proxmox-connector.ts';
import { Wiring } from './wiring.ts';

/** What workflow step functions may be wired to. */
export interface WorkflowStepDependencies {
  readonly table: TableV2;
  readonly connector: ProxmoxConnector;
  readonly events: DomainEvents;
}

/**
 * One step function of a workflow (`functions/workflow/<entry>.ts`), wired to exactly what it
 * uses: each use sets the step's environment and grants its access together.
 */
export function workflowStep(
  scope: Construct,
  id: string,
  entry: string,
  uses: readonly Use[],
): LambdaFunction {
  return new ServiceFunction(scope, id, {
    entry: `functions/workflow/${entry}.ts`,
    environment: { POWERTOOLS_SERVICE_NAME: `pve-snapshots-${entry}` },
    uses,
  }).function;
}

/** The uses a step can declare, built once for the stack's table, connector and events. */
export function stepUses(deps: WorkflowStepDependencies) {
  return {
    reads: tableReadOnly(deps.table),
    writes: tableReadWrite(deps.table),
    callsProxmox: invokes(deps.connector.function),
    publishes: publishesEvents(deps.events),
  };
}

/**
 * The step functions of the policy run (claim, resolve, lanes, record, prune, reconcile, finish) and
 * of guest operations (plan, finish), each declaring what it uses. Steps that only read get
 * read-only table access; only the steps that look at Proxmox themselves (inventory sync, snapshot
 * lists, the operation's plan and its outcome) may call the connector; the Proxmox commands of a
 * run go from the state machines.
 */
export class WorkflowSteps extends Wiring {
  public readonly claimRun: LambdaFunction;
  public readonly resolveTargets: LambdaFunction;
  public readonly recordResult: LambdaFunction;
  public readonly finishRun: LambdaFunction;
  public readonly loadLane: LambdaFunction;
  public readonly planPrune: LambdaFunction;
  public readonly recordPrune: LambdaFunction;
  public readonly reconcileGuests: LambdaFunction;
  public readonly planOperation: LambdaFunction;
  public readonly finishOperation: LambdaFunction;

  constructor(scope: Construct, id: string, deps: WorkflowStepDependencies) {
    super(scope, id);
    const { reads, writes, callsProxmox, publishes } = stepUses(deps);
    const step = (stepId: string, entry: string, uses: readonly Use[]) =>
      workflowStep(this, stepId, entry, uses);
    this.resolveTargets = step('ResolveTargetsFunction', 'resolve-targets', [writes, callsProxmox]);
    this.reconcileGuests = step('ReconcileGuestsFunction', 'reconcile-guests', [
      writes,
      callsProxmox,
      publishes,
    ]);
    this.claimRun = step('ClaimRunFunction', 'claim-run', [writes]);
    this.recordResult = step('RecordResultFunction', 'record-result', [writes, publishes]);
    this.finishRun = step('FinishRunFunction', 'finish-run', [writes, publishes]);
    this.loadLane = step('LoadLaneFunction', 'load-lane', [reads]);
    this.planPrune = step('PlanPruneFunction', 'plan-prune', [reads]);
    this.recordPrune = step('RecordPruneFunction', 'record-prune', [writes, publishes]);
    // Planning reads the guest on Proxmox (a restore's snapshot, a free vmid); finishing lists the
    // guest's snapshots and syncs the inventory after a clone.
    this.planOperation = step('PlanOperationFunction', 'plan-operation', [writes, callsProxmox]);
    this.finishOperation = step('FinishOperationFunction', 'finish-operation', [
      writes,
      callsProxmox,
      publishes,
    ]);
  }
}
