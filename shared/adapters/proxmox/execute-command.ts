import { archiveFileFromLog, guestFailureFromLog, logTail } from '#shared/domain/backup/vzdump-log.ts';
import type {
  BackupTaskStatus,
  CommandResults,
  ConnectorCommand,
  SnapshotTaskStatus,
} from '#shared/domain/proxmox/commands.ts';
import { asGuestAgentError } from '#shared/domain/proxmox/guest-agent.ts';
import { stoppedTaskFailure } from '#shared/domain/proxmox/task-outcome.ts';
import type { ProxmoxStorage } from '#shared/domain/proxmox/types.ts';
import { vmstateTarget } from '#shared/domain/proxmox/vmstate-target.ts';
import { vmstateVolumes } from '#shared/domain/proxmox/vmstate-volume.ts';
import { ProxmoxUnsupportedError } from '#shared/domain/proxmox-errors.ts';
import { isolationOptions } from '#shared/domain/restore-test/isolation.ts';
import type { ProxmoxApiClient as ProxmoxClient } from './api-client.ts';

/** The subset of the client the commands use (the agent's client has the same methods). */
export type CommandClient = Pick<
  ProxmoxClient,
  | 'version'
  | 'guests'
  | 'nextVmid'
  | 'guestStatus'
  | 'guestConfig'
  | 'updateGuestConfig'
  | 'destroyGuest'
  | 'snapshots'
  | 'snapshotTree'
  | 'createSnapshot'
  | 'deleteSnapshot'
  | 'rollbackSnapshot'
  | 'updateSnapshotDescription'
  | 'clearTags'
  | 'renameGuest'
  | 'startGuest'
  | 'stopGuest'
  | 'clone'
  | 'vzdump'
  | 'backups'
  | 'images'
  | 'storages'
  | 'deleteVolume'
  | 'updateVolume'
  | 'restore'
  | 'taskStatus'
  | 'taskLog'
  | 'storageResources'
  | 'guestConfig'
  | 'storages'
  | 'agentPing'
  | 'agentExec'
  | 'agentExecStatus'
  | 'containerInterfaces'
>;

/**
 * Runs one connector command with a Proxmox client: the one implementation both transports use
 * (the connector function for direct clusters, the agent inside the tenant's network). Commands
 * that start Proxmox work return the task id (UPID) at once; Proxmox failures are thrown as the
 * typed errors.
 */
export async function executeCommand<C extends ConnectorCommand>(
  client: CommandClient,
  command: C,
): Promise<CommandResults[C['type']]> {
  return (await execute(client, command)) as CommandResults[C['type']];
}

async function execute(client: CommandClient, command: ConnectorCommand): Promise<unknown> {
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
    case 'snapshotTree':
      return await client.snapshotTree(command.node, command.guestType, command.vmid);
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
    case 'guestConfig':
      return await client.guestConfig(command.node, command.guestType, command.vmid);
    case 'isolateGuest': {
      const config = await client.guestConfig(command.node, command.guestType, command.vmid);
      const options = isolationOptions(config);
      // The digest makes Proxmox refuse the write if the config changed since it was read.
      const digest: Record<string, string> =
        typeof config.digest === 'string' ? { digest: config.digest } : {};
      await client.updateGuestConfig(command.node, command.guestType, command.vmid, {
        ...options,
        ...digest,
      });
      return { options };
    }
    case 'destroyGuest':
      return { upid: await client.destroyGuest(command.node, command.guestType, command.vmid) };
    case 'startGuest':
      return { upid: await client.startGuest(command.node, command.guestType, command.vmid) };
    case 'renameGuest':
      await client.renameGuest(command.node, command.guestType, command.vmid, command.name);
      return {};
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
    case 'listStorages':
      return command.node
        ? await client.storages(command.node, command.content)
        : await clusterStorages(client, command.content);
    case 'vmstateTarget': {
      const [config, storages] = await Promise.all([
        client.guestConfig(command.node, 'qemu', command.vmid),
        client.storages(command.node),
      ]);
      return vmstateTarget(config, storages);
    }
    case 'backupTaskStatus':
      return await backupTaskStatus(client, command);
    case 'listBackups':
      return await client.backups(command.node, command.storage, command.vmid);
    case 'listVmstates':
      return vmstateVolumes(await client.images(command.node, command.storage));
    case 'deleteVolume':
      return {
        upid: await client.deleteVolume(command.node, command.storage, command.volid, command.delay),
      };
    case 'updateVolume': {
      const { type: _type, node, storage, volid, ...attributes } = command;
      await client.updateVolume(node, storage, volid, attributes);
      return {};
    }
    case 'restore': {
      const { type: _type, node, guestType, ...options } = command;
      return { upid: await client.restore(node, guestType, options) };
    }
    case 'taskStatus':
      return await client.taskStatus(command.upid);
    case 'snapshotTaskStatus':
      return await snapshotTaskStatus(client, command);
    case 'followTask':
      // Following needs someone who stays: the agent does it (see agent/task-follower.ts); a
      // function answering a direct cluster's command ends with its answer.
      throw new ProxmoxUnsupportedError(
        'following a task to its end is done by an agent; direct clusters are polled',
        'followTask',
      );
    case 'taskOutcome': {
      // Like taskStatus, but a failed task is thrown as its typed error (for a Catch to read).
      const status = await client.taskStatus(command.upid);
      const failure =
        status.status === 'stopped' ? stoppedTaskFailure(command.upid, status.exitstatus) : undefined;
      if (failure) throw failure;
      return { status: status.status, exitstatus: status.exitstatus ?? null };
    }
    case 'agentPing':
      await client.agentPing(command.node, command.vmid).catch(rethrowAsAgentError);
      return {};
    case 'containerInterfaces':
      return await client.containerInterfaces(command.node, command.vmid);
    case 'agentExec':
      return {
        pid: await client
          .agentExec(command.node, command.vmid, command.command, command.inputData)
          .catch(rethrowAsAgentError),
      };
    case 'agentExecStatus':
      return await client.agentExecStatus(command.node, command.vmid, command.pid).catch(rethrowAsAgentError);
  }
}

const rethrowAsAgentError = (error: unknown): never => {
  throw asGuestAgentError(error);
};

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
  client: CommandClient,
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

/** Lines of a task log read at most: a one-guest vzdump log is far shorter. */
const TASK_LOG_LIMIT = 500;

/**
 * The status of a vzdump task of one guest, for the policy run's check loop. Once the task has
 * stopped, its log names the archive (`creating vzdump archive '...'`) and the storage content
 * gives its volume id, size, format and ctime; a failed task brings its log's last lines.
 */
async function backupTaskStatus(
  client: CommandClient,
  command: { node: string; vmid: number; storage: string; upid: string },
): Promise<BackupTaskStatus> {
  const status = await client.taskStatus(command.upid);
  if (status.status !== 'stopped') return { upid: command.upid, status: status.status };
  // Both reads at once: the storage's list is only used when the log names an archive (a
  // failed task's log may not, and then neither the list nor its error matters).
  const listed = client.backups(command.node, command.storage, command.vmid);
  listed.catch(() => undefined);
  const lines = (await client.taskLog(command.upid, 0, TASK_LOG_LIMIT)).map((line) => line.t);
  const error = guestFailureFromLog(lines);
  const base = {
    upid: command.upid,
    status: status.status,
    exitstatus: status.exitstatus ?? '',
    ...(error ? { error } : {}),
  };
  const file = archiveFileFromLog(lines);
  const volumes = file ? await listed : [];
  const volume = volumes.find((entry) => entry.volid.endsWith(`/${file}`));
  if (!volume) return { ...base, logTail: logTail(lines) };
  return {
    ...base,
    archive: {
      volid: volume.volid,
      format: volume.format,
      size: volume.size,
      ctime: volume.ctime,
      ...(volume.notes ? { notes: volume.notes } : {}),
      ...(volume.protected ? { protected: true } : {}),
    },
    ...(base.exitstatus === 'OK' ? {} : { logTail: logTail(lines) }),
  };
}

/**
 * Every node's storages: the nodes from `/cluster/resources?type=storage`, then each node's own
 * `/nodes/{node}/storage` (which alone says enabled, active and avail). A node that cannot be
 * asked (offline, 595) keeps the cluster's entries for it, which have no figures then.
 */
async function clusterStorages(
  client: CommandClient,
  content: string | undefined,
): Promise<ProxmoxStorage[]> {
  const resources = await client.storageResources();
  const nodes = [...new Set(resources.map((entry) => entry.node ?? ''))].filter(Boolean);
  const perNode = await Promise.all(
    nodes.map(async (node) => {
      try {
        return (await client.storages(node, content)).map((entry) => ({ ...entry, node }));
      } catch {
        return resources.filter(
          (entry) =>
            entry.node === node && (content === undefined || entry.content.split(',').includes(content)),
        );
      }
    }),
  );
  return perNode.flat();
}
