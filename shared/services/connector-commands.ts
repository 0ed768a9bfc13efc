import type { Store } from '#shared/adapters/dynamo/store.ts';
import { executeCommand } from '#shared/adapters/proxmox/execute-command.ts';
import type { ProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { AgentOfflineError } from '#shared/domain/agent/agent-errors.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import { NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import { LaneTimeUpError } from '#shared/domain/lane.ts';
import type { PlanTable } from '#shared/domain/plans/plan.ts';
import {
  type ConnectorRequest,
  ConnectorRequestSchema,
  type ConnectorResult,
  type ProbeConnection,
  type ProbeResult,
} from '#shared/domain/proxmox/commands.ts';
import { RunStoppedError } from '#shared/domain/run.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { IdGenerator } from '#shared/ports/ids.ts';
import { type AgentChannelDeps, sendToAgent } from './agents/agent-channel.ts';
import { refuseOverPlan } from './plans/run-guest-check.ts';
import { guardStorage } from './storage/guard-storage.ts';

export interface ConnectorDeps {
  readonly store: Store;
  readonly proxmox: ProxmoxConnector;
  /** How commands reach agent clusters; without it, an agent cluster's commands fail offline. */
  readonly agents?: Omit<AgentChannelDeps, 'store'>;
  /** The plans a run's guest is checked against before its command is sent; absent: the built-in ones. */
  readonly plans?: PlanTable | undefined;
  /** The plan a tenant without a profile yet is checked against; absent: `standard`. */
  readonly defaultPlan?: string | undefined;
  /** Ids and time of the audit events the pre-flight writes (archives pruned before a backup). */
  readonly ids?: IdGenerator | undefined;
  readonly now?: Clock | undefined;
}

/**
 * Runs one command against a tenant's cluster. Commands that start Proxmox work return the task
 * id (UPID) at once; the workflow polls `taskStatus` from a Wait-state loop, so no Lambda ever
 * sleeps on a task. Proxmox failures are thrown as the typed errors, whose `name` Step
 * Functions matches in Retry/Catch.
 */
export async function runConnectorCommand<R extends ConnectorRequest>(
  deps: ConnectorDeps,
  input: R,
): Promise<ConnectorResult<R>>;
export async function runConnectorCommand(deps: ConnectorDeps, input: unknown): Promise<unknown>;
export async function runConnectorCommand(deps: ConnectorDeps, input: unknown): Promise<unknown> {
  const parsed = ConnectorRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        rule: issue.code,
        message: issue.message,
      })),
    );
  }
  if ('probe' in parsed.data) return await probe(deps, parsed.data.probe);
  const { tenantId, clusterId, command, whileRunning, startBy, taskToken } = parsed.data;
  // Before any read: a lane out of time hands the guest on at once.
  if (startBy !== undefined && (deps.now ?? Date.now)() >= Date.parse(startBy))
    throw new LaneTimeUpError(startBy);
  if (command.type === 'followTask' && !taskToken) {
    throw new ValidationError([
      {
        path: 'taskToken',
        rule: 'required',
        message: 'followTask needs the token of the task that waits for it',
      },
    ]);
  }
  let cluster: Cluster | undefined;
  if (whileRunning !== undefined) {
    // A run's guest: its run, cluster and the tenant's profile in one request (a guest's path
    // waits for each of its reads). The run's state decides first.
    const [run, read, profile] = await deps.store.table.getAll([
      deps.store.runs.read(tenantId, whileRunning),
      deps.store.clusters.read(tenantId, clusterId),
      deps.store.tenants.read(tenantId),
    ] as const);
    const state = run?.cancelRequestedAt ? 'cancelled' : (run?.status ?? 'gone');
    if (state !== 'running') throw new RunStoppedError(whileRunning, state);
    // Right before a write of the run: the plan, then the storage guard may keep the guest from it.
    // The guard reserves space and may prune before a backup, so it runs only for a guest the
    // plan lets through (a refused guest must not lose archives).
    await refuseOverPlan(deps, tenantId, clusterId, command, { profile });
    if (run)
      await guardStorage(
        {
          store: deps.store,
          call: (c) => runConnectorCommand(deps, { tenantId, clusterId, command: c }),
          ids: deps.ids,
          now: deps.now,
        },
        parsed.data,
        run,
      );
    cluster = read;
  } else {
    cluster = await deps.store.clusters.get(tenantId, clusterId);
  }
  if (!cluster) throw new NotFoundError('cluster', clusterId);
  if (cluster.connection === 'agent') {
    if (!deps.agents) throw new AgentOfflineError(cluster.name, cluster.id);
    return await sendToAgent(
      { ...deps.agents, store: deps.store },
      cluster,
      command,
      taskToken ? { taskToken } : {},
    );
  }
  const client = await deps.proxmox.forCluster(cluster);
  return await executeCommand(client, command);
}

async function probe(deps: ConnectorDeps, connection: ProbeConnection): Promise<ProbeResult> {
  const client = deps.proxmox.connect(connection);
  try {
    const version = await client.version();
    const permissions = await client.permissions();
    return { version: version.version, privileges: { ...permissions['/'], ...permissions['/vms'] } };
  } finally {
    await client.close();
  }
}
