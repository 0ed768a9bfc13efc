import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { forEachStep, type WorkflowStep } from '#shared/config/workflow-steps.ts';
import { ServiceFunction } from './api-function.ts';
import type { DomainEvents } from './domain-events.ts';
import {
  invokes,
  publishesEvents,
  secretsUnder,
  tableReadOnly,
  tableReadWrite,
  type Use,
} from './function-uses.ts';
import type { ProxmoxConnector } from './proxmox-connector.ts';
import { Wiring } from './wiring.ts';

/** What workflow step functions may be wired to. */
export interface WorkflowStepDependencies {
  readonly table: TableV2;
  readonly connector: ProxmoxConnector;
  readonly events: DomainEvents;
  /** Where webhook and hook signing secrets live; the hook step reads them. */
  readonly webhookSecretPrefix: string;
  /** The API's public URL: the hook step sends receivers their callback URL under it. */
  readonly publicApiUrl?: string;
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
    readsHookSecrets: secretsUnder(
      ENV.webhookSecretPrefix,
      deps.webhookSecretPrefix,
      'read',
      'Hook signing secrets are created at run time, one per policy, under the webhook secret prefix.',
    ),
    // Only an address: calling back is the receiver's doing, through the public route.
    knowsApiUrl: {
      environment: Object.fromEntries(deps.publicApiUrl ? [[ENV.publicApiUrl, deps.publicApiUrl]] : []),
      grant: () => {},
    } satisfies Use,
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
  /** One function per step of {@link WORKFLOW_STEPS}, by the step's property name. */
  public readonly functions: Record<WorkflowStep, LambdaFunction>;

  constructor(scope: Construct, id: string, deps: WorkflowStepDependencies) {
    super(scope, id);
    const { reads, writes, callsProxmox, publishes, readsHookSecrets, knowsApiUrl } = stepUses(deps);
    // What each step uses. Planning an operation reads the guest on Proxmox (a restore's
    // snapshot, a free vmid); finishing one lists the guest's snapshots and syncs the inventory
    // after a clone. Resolving targets syncs the inventory, which may report new unprotected guests.
    const uses: Record<WorkflowStep, readonly Use[]> = {
      resolveTargets: [writes, callsProxmox, publishes],
      reconcileGuests: [writes, callsProxmox, publishes],
      claimRun: [writes],
      recordResult: [writes, publishes],
      finishRun: [writes, publishes],
      loadLane: [reads],
      planPrune: [reads],
      recordPrune: [writes, publishes],
      planOperation: [writes, callsProxmox],
      finishOperation: [writes, callsProxmox, publishes],
      // Restores, isolates, starts, checks and destroys a test guest, one call per step.
      restoreTestStep: [writes, callsProxmox, publishes],
      // A hook: its call record, the guest agent through the connector, the policy's hook secret,
      // and the URL its receiver calls back.
      runHook: [writes, callsProxmox, readsHookSecrets, knowsApiUrl],
    };
    this.functions = forEachStep((step, entry) =>
      workflowStep(this, `${step[0]?.toUpperCase()}${step.slice(1)}Function`, entry, uses[step]),
    );
  }
}
