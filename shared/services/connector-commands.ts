import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { ProxmoxConnection } from '#shared/adapters/proxmox/client.ts';
import { mapTaskFailure } from '#shared/adapters/proxmox/map-error.ts';
import type { ProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import { taskSucceeded } from '#shared/domain/proxmox/upid.ts';
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
  const { tenantId, clusterId, command } = parsed.data;
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
