import { z } from 'zod';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { ProxmoxConnection } from '#shared/adapters/proxmox/client.ts';
import { mapTaskFailure } from '#shared/adapters/proxmox/map-error.ts';
import type { ProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import { taskSucceeded } from '#shared/domain/proxmox/upid.ts';
import { PROXMOX_SNAPSHOT_NAME } from '#shared/domain/snapshot-name.ts';

const guest = {
  node: z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/),
  guestType: z.enum(['qemu', 'lxc']),
  vmid: z.number().int().min(100).max(999_999_999),
};
const snapshotName = z.string().max(40).regex(PROXMOX_SNAPSHOT_NAME);

/** Every command the workflows may send to Proxmox; one small typed command per call. */
const ConnectorCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('version') }),
  z.strictObject({ type: z.literal('listGuests') }),
  z.strictObject({ type: z.literal('nextVmid') }),
  z.strictObject({ type: z.literal('guestStatus'), ...guest }),
  z.strictObject({ type: z.literal('listSnapshots'), ...guest }),
  z.strictObject({
    type: z.literal('createSnapshot'),
    ...guest,
    name: snapshotName,
    description: z.string().max(8192).optional(),
    vmstate: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('deleteSnapshot'),
    ...guest,
    name: snapshotName,
    force: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('rollbackSnapshot'),
    ...guest,
    name: snapshotName,
    start: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('updateSnapshotDescription'),
    ...guest,
    name: snapshotName,
    description: z.string().max(8192),
  }),
  z.strictObject({ type: z.literal('startGuest'), ...guest }),
  z.strictObject({ type: z.literal('stopGuest'), ...guest }),
  z.strictObject({
    type: z.literal('clone'),
    ...guest,
    newid: z.number().int().min(100).max(999_999_999),
    name: z.string().max(128).optional(),
    snapname: snapshotName.optional(),
    full: z.boolean().optional(),
    target: z.string().optional(),
    storage: z.string().optional(),
    pool: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('vzdump'),
    node: guest.node,
    vmid: guest.vmid,
    storage: z.string().min(1),
    mode: z.enum(['snapshot', 'suspend', 'stop']).optional(),
    compress: z.enum(['0', 'gzip', 'lzo', 'zstd']).optional(),
    notesTemplate: z.string().max(1024).optional(),
    protected: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('listBackups'),
    node: guest.node,
    storage: z.string().min(1),
    vmid: guest.vmid.optional(),
  }),
  z.strictObject({
    type: z.literal('deleteVolume'),
    node: guest.node,
    storage: z.string().min(1),
    volid: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('restore'),
    ...guest,
    archive: z.string().min(1),
    storage: z.string().optional(),
    force: z.boolean().optional(),
    start: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('taskStatus'), upid: z.string().startsWith('UPID:') }),
  z.strictObject({ type: z.literal('taskOutcome'), upid: z.string().startsWith('UPID:') }),
]);

export type ConnectorCommand = z.infer<typeof ConnectorCommandSchema>;

const ClusterRequestSchema = z.strictObject({
  tenantId: z.string().min(1),
  clusterId: z.string().min(1),
  command: ConnectorCommandSchema,
});

/** Checks connection details that are not stored yet (registration, changed settings). */
const ProbeRequestSchema = z.strictObject({
  probe: z.strictObject({
    url: z.url(),
    tokenId: z.string().min(1),
    secret: z.string().min(1),
    fingerprint: z.string().optional(),
    caCertificate: z.string().optional(),
  }),
});

const ConnectorRequestSchema = z.union([ClusterRequestSchema, ProbeRequestSchema]);

export type ConnectorRequest = z.infer<typeof ConnectorRequestSchema>;

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
