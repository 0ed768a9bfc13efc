import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { ProxmoxClient, ProxmoxConnection } from '#shared/adapters/proxmox/client.ts';
import { mapTaskFailure } from '#shared/adapters/proxmox/map-error.ts';
import type { ProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import { taskSucceeded } from '#shared/domain/proxmox/upid.ts';
import { RunStoppedError } from '#shared/domain/run.ts';
import { ConnectorRequestSchema } from '#shared/ports/proxmox-gateway.ts';

export interface ConnectorDeps {
  readonly store: Store;
  readonly proxmox: ProxmoxConnector;
}

/**
 * Runs one command against a tenant's cluster. Commands that start Proxmox work return the task
 * id (UPID) at once; the workflow polls `taskStatus` from a Wait-state loop, so no Lambda ever
 * sleeps on a task. Proxmox failures are thrown as the typed errors, whose `name` Step
 * Functions matches in Retry/Catch.
 */
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
  const { tenantId, clusterId, command, whileRunning } = parsed.data;
  if (whileRunning !== undefined) {
    const run = await deps.store.runs.get(tenantId, whileRunning);
    const state = run?.cancelRequestedAt ? 'cancelled' : (run?.status ?? 'gone');
    if (state !== 'running') throw new RunStoppedError(whileRunning, state);
  }
  const cluster = await deps.store.clusters.get(tenantId, clusterId);
  if (!cluster) throw new NotFoundError('cluster', clusterId);
  const client = await deps.proxmox.forCluster(cluster);
  switch (command.type) {
    case 'version':
      return await client.version();
    case 'listGuests':
      return await client.guests();
    case 'nextVmid':
      return { vmid: await client.nextVmid() };
    case 'guestStatus':
      return await client.guestStatus(command.node, command.guestType, command.vmid);
    case 'listSnapshots':
      return await client.snapshots(command.node, command.guestType, command.vmid);
    case 'createSnapshot':
      return {
        upid: await client.createSnapshot(command.node, command.guestType, command.vmid, {
          name: command.name,
          ...(command.description !== undefined ? { description: command.description } : {}),
          ...(command.vmstate !== undefined ? { vmstate: command.vmstate } : {}),
        }),
      };
    case 'deleteSnapshot':
      return {
        upid: await client.deleteSnapshot(
          command.node,
          command.guestType,
          command.vmid,
          command.name,
          command.force,
        ),
      };
    case 'rollbackSnapshot':
      return {
        upid: await client.rollbackSnapshot(
          command.node,
          command.guestType,
          command.vmid,
          command.name,
          command.start,
        ),
      };
    case 'updateSnapshotDescription':
      await client.updateSnapshotDescription(
        command.node,
        command.guestType,
        command.vmid,
        command.name,
        command.description,
      );
      return {};
    case 'clearTags':
      await client.clearTags(command.node, command.guestType, command.vmid);
      return {};
    case 'startGuest':
      return { upid: await client.startGuest(command.node, command.guestType, command.vmid) };
    case 'stopGuest':
      return { upid: await client.stopGuest(command.node, command.guestType, command.vmid) };
    case 'clone': {
      const { type: _type, node, guestType, vmid, ...options } = command;
      return { upid: await client.clone(node, guestType, vmid, options) };
    }
    case 'vzdump': {
      const { type: _type, node, ...options } = command;
      return { upid: await client.vzdump(node, options) };
    }
    case 'listBackups':
      return await client.backups(command.node, command.storage, command.vmid);
    case 'deleteVolume':
      return { upid: await client.deleteVolume(command.node, command.storage, command.volid) };
    case 'restore': {
      const { type: _type, node, guestType, ...options } = command;
      return { upid: await client.restore(node, guestType, options) };
    }
    case 'taskStatus':
      return await client.taskStatus(command.upid);
    case 'snapshotTaskStatus':
      return await snapshotTaskStatus(client, command);
    case 'taskOutcome': {
      // Like taskStatus, but a failed task is thrown as its typed error (for a Catch to read).
      const status = await client.taskStatus(command.upid);
      if (status.status === 'stopped' && !taskSucceeded(status.exitstatus ?? 'unexpected status')) {
        throw mapTaskFailure(command.upid, status.exitstatus ?? 'unexpected status');
      }
      return { status: status.status, exitstatus: status.exitstatus ?? null };
    }
  }
}

/** A snapshot task's status, with what the guest's snapshot list says about its snapshot. */
interface SnapshotTaskStatus {
  readonly upid: string;
  readonly status: 'running' | 'stopped';
  readonly exitstatus?: string;
  /** Whether Proxmox stored RAM state with the snapshot (QEMU only), once it exists. */
  readonly vmstate?: boolean;
  /** Set when the task's status could not be read and the snapshot list answered instead. */
  readonly confirmedBy?: 'snapshot-list';
}

/**
 * The status of a snapshot task, for the policy run's check loop. Once the task has stopped, the
 * guest's snapshot list says whether Proxmox stored RAM state (`vmstate`), which the record keeps
 * instead of what was asked. A status poll that fails (a read: a transient 5xx, for example) is
 * answered by the snapshot list when it can be: the snapshot is there (taken, or still being
 * taken while `snapstate` is set), so no guest whose snapshot exists is failed for a failed
 * poll. When the list cannot tell, the poll's error is thrown: the workflow retries the check
 * with backoff, and records a failure only when the last look (task and list) still cannot tell.
 */
async function snapshotTaskStatus(
  client: ProxmoxClient,
  command: { node: string; guestType: 'qemu' | 'lxc'; vmid: number; upid: string; name: string },
): Promise<SnapshotTaskStatus> {
  const snapshot = () =>
    client
      .snapshots(command.node, command.guestType, command.vmid)
      .then((entries) => entries.find((entry) => entry.name === command.name) ?? null);
  let status: Awaited<ReturnType<ProxmoxClient['taskStatus']>>;
  try {
    status = await client.taskStatus(command.upid);
  } catch (error) {
    const seen = await snapshot().catch(() => null);
    if (!seen) throw error;
    if (seen.snapstate) return { upid: command.upid, status: 'running', confirmedBy: 'snapshot-list' };
    return {
      upid: command.upid,
      status: 'stopped',
      exitstatus: 'OK',
      vmstate: seen.vmstate,
      confirmedBy: 'snapshot-list',
    };
  }
  if (status.status !== 'stopped') return { ...status, upid: command.upid };
  const seen = await snapshot().catch(() => null);
  return { ...status, upid: command.upid, ...(seen ? { vmstate: seen.vmstate } : {}) };
}

export interface ProbeResult {
  readonly version: string;
  /** Privileges the token holds on `/vms` (or inherited from `/`). */
  readonly privileges: Record<string, number>;
}

async function probe(deps: ConnectorDeps, connection: ProxmoxConnection): Promise<ProbeResult> {
  const client = deps.proxmox.connect(connection);
  try {
    const version = await client.version();
    const permissions = await client.permissions();
    return { version: version.version, privileges: { ...permissions['/'], ...permissions['/vms'] } };
  } finally {
    await client.close();
  }
}
