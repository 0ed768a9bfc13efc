import { z } from 'zod';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import { PROXMOX_SNAPSHOT_NAME } from '#shared/domain/snapshot-name.ts';
import type {
  BackupVolume,
  ProxmoxStorage,
  ProxmoxVersion,
  ProxmoxVm,
  SnapshotEntry,
  TaskStatus,
} from './types.ts';
import type { VmstateVolume } from './vmstate-volume.ts';

/*
 * The one contract between the service and Proxmox: every command the connector (or an agent)
 * runs, and what each one answers. Both transports (the connector function, the agent) parse
 * commands with these schemas and answer with these result types.
 */

const guest = {
  node: z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/),
  guestType: z.enum(GUEST_TYPES),
  vmid: z.number().int().min(100).max(999_999_999),
};
const snapshotName = z.string().max(40).regex(PROXMOX_SNAPSHOT_NAME);

const upid = z.string().startsWith('UPID:');
const TaskStatusCommand = z.strictObject({ type: z.literal('taskStatus'), upid });
const SnapshotTaskStatusCommand = z.strictObject({
  type: z.literal('snapshotTaskStatus'),
  ...guest,
  upid,
  name: snapshotName,
});
/** A task's status; a task that stopped with an error is thrown as its typed error. */
const TaskOutcomeCommand = z.strictObject({ type: z.literal('taskOutcome'), upid });
const BackupTaskStatusCommand = z.strictObject({
  type: z.literal('backupTaskStatus'),
  node: guest.node,
  vmid: guest.vmid,
  storage: z.string().min(1),
  upid,
});

/** Every command the workflows may send to Proxmox; one small typed command per call. */
export const ConnectorCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('version') }),
  z.strictObject({ type: z.literal('listGuests') }),
  z.strictObject({ type: z.literal('nextVmid') }),
  z.strictObject({ type: z.literal('guestStatus'), ...guest }),
  z.strictObject({ type: z.literal('listSnapshots'), ...guest }),
  z.strictObject({ type: z.literal('snapshotTree'), ...guest }),
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
  z.strictObject({ type: z.literal('clearTags'), ...guest }),
  z.strictObject({
    type: z.literal('renameGuest'),
    ...guest,
    name: z
      .string()
      .max(128)
      .regex(/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/),
  }),
  z.strictObject({ type: z.literal('guestConfig'), ...guest }),
  /** Restore testing: every network link down and the service's tag only (see restore-test/isolation.ts). */
  z.strictObject({ type: z.literal('isolateGuest'), ...guest }),
  z.strictObject({ type: z.literal('destroyGuest'), ...guest }),
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
    /** KiB/s, as vzdump's `bwlimit`. */
    bwlimit: z.number().int().min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('listStorages'),
    /** Without a node: every node's storages, each entry naming its node. */
    node: guest.node.optional(),
    content: z.enum(['backup', 'images', 'rootdir']).optional(),
  }),
  /** Where a RAM snapshot of the VM would write its state, and how much (the storage guard's estimate). */
  z.strictObject({ type: z.literal('vmstateTarget'), node: guest.node, vmid: guest.vmid }),
  BackupTaskStatusCommand,
  z.strictObject({
    type: z.literal('listBackups'),
    node: guest.node,
    storage: z.string().min(1),
    vmid: guest.vmid.optional(),
  }),
  /** The RAM state volumes on a storage (its `images` content), with their sizes. */
  z.strictObject({ type: z.literal('listVmstates'), node: guest.node, storage: z.string().min(1) }),
  z.strictObject({
    type: z.literal('deleteVolume'),
    node: guest.node,
    storage: z.string().min(1),
    volid: z.string().min(1),
    /** Seconds Proxmox waits for the deletion: finished in time, it answers null or dies with the task's error. */
    delay: z.number().int().min(1).max(30).optional(),
  }),
  z.strictObject({
    type: z.literal('updateVolume'),
    node: guest.node,
    storage: z.string().min(1),
    volid: z.string().min(1),
    notes: z.string().max(8192).optional(),
    protected: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('restore'),
    ...guest,
    archive: z.string().min(1),
    storage: z.string().optional(),
    force: z.boolean().optional(),
    start: z.boolean().optional(),
  }),
  TaskStatusCommand,
  SnapshotTaskStatusCommand,
  z.strictObject({
    type: z.literal('followTask'),
    /** The status command that reports the task; run by the agent until it says `stopped`. */
    until: z.discriminatedUnion('type', [
      TaskStatusCommand,
      SnapshotTaskStatusCommand,
      BackupTaskStatusCommand,
      TaskOutcomeCommand,
    ]),
    /** Seconds between the agent's looks at the task (inside the tenant's network: cheap). */
    everySeconds: z.number().int().min(1).max(60),
    /** Seconds between heartbeats; the waiting task's HeartbeatSeconds is larger. */
    heartbeatSeconds: z.number().int().min(5).max(300),
  }),
  TaskOutcomeCommand,
  // QEMU guest agent (qemu-server API2/Qemu/Agent.pm): QEMU guests only.
  z.strictObject({ type: z.literal('agentPing'), node: guest.node, vmid: guest.vmid }),
  // A running container's interfaces, read in its network namespace (pve-container 5.0.6+).
  z.strictObject({ type: z.literal('containerInterfaces'), node: guest.node, vmid: guest.vmid }),
  z.strictObject({
    type: z.literal('agentExec'),
    node: guest.node,
    vmid: guest.vmid,
    /** Program and arguments, as Proxmox's `command` array (no shell). */
    command: z.array(z.string().min(1).max(4096)).min(1).max(64),
    /** Given to the process as standard input; Proxmox allows 64 KiB. */
    inputData: z
      .string()
      .max(64 * 1024)
      .optional(),
  }),
  z.strictObject({
    type: z.literal('agentExecStatus'),
    node: guest.node,
    vmid: guest.vmid,
    pid: z.number().int().min(0),
  }),
]);

export type ConnectorCommand = z.infer<typeof ConnectorCommandSchema>;

const ClusterRequestSchema = z.strictObject({
  tenantId: z.string().min(1),
  clusterId: z.string().min(1),
  command: ConnectorCommandSchema,
  /**
   * A policy run's id: the command is sent only while that run goes on (not cancelled, not
   * ended); otherwise it fails with a RunStoppedError and nothing reaches Proxmox. Checked
   * right before the call, so no guest is started after a cancel.
   */
  whileRunning: z.string().min(1).optional(),
  /**
   * A fast lane's guest: the command is sent only before then; later it fails with a
   * LaneTimeUpError and nothing reaches Proxmox (the Standard lane takes the guest).
   */
  startBy: z.iso.datetime().optional(),
  /**
   * The token of the Step Functions task that waits for this command's outcome
   * (`.waitForTaskToken`): `followTask` answers it when the task it follows has stopped.
   */
  taskToken: z.string().min(1).max(2048).optional(),
});

/** Checks connection details that are not stored yet (registration, changed settings). */
const ProbeConnectionSchema = z.strictObject({
  url: z.url(),
  tokenId: z.string().min(1),
  secret: z.string().min(1),
  fingerprint: z.string().optional(),
  caCertificate: z.string().optional(),
});

export type ProbeConnection = z.infer<typeof ProbeConnectionSchema>;

const ProbeRequestSchema = z.strictObject({ probe: ProbeConnectionSchema });

export const ConnectorRequestSchema = z.union([ClusterRequestSchema, ProbeRequestSchema]);

export type ConnectorRequest = z.infer<typeof ConnectorRequestSchema>;

/** A task started by a command: its id (UPID). */
interface StartedTask {
  readonly upid: string;
}

/** The archive a finished vzdump task wrote, as the storage content lists it. */
export interface WrittenArchive {
  readonly volid: string;
  readonly format: string;
  readonly size: number;
  /** Seconds since the epoch. */
  readonly ctime: number;
  readonly notes?: string;
  readonly protected?: boolean;
}

/** A vzdump task's status; once stopped, the archive it wrote and the last lines of its log. */
export interface BackupTaskStatus {
  readonly upid: string;
  readonly status: 'running' | 'stopped';
  readonly exitstatus?: string;
  readonly archive?: WrittenArchive;
  /** A failed guest's reason from the log (`VM is locked (snapshot)`, `... No space left on device`). */
  readonly error?: string;
  readonly logTail?: readonly string[];
}

/** A snapshot task's status, with what the guest's snapshot list says about its snapshot. */
export interface SnapshotTaskStatus {
  readonly upid: string;
  readonly status: 'running' | 'stopped';
  readonly exitstatus?: string;
  /** Whether Proxmox stored RAM state with the snapshot (QEMU only), once it exists. */
  readonly vmstate?: boolean;
  /** Set when the task's status could not be read and the snapshot list answered instead. */
  readonly confirmedBy?: 'snapshot-list';
}

/** What the guest agent knows of a process it started (`agent/exec-status`). */
export interface AgentExecStatus {
  readonly exited: boolean;
  readonly exitcode?: number;
  /** The signal that ended the process abnormally. */
  readonly signal?: number;
  readonly outData?: string;
  readonly errData?: string;
  readonly outTruncated?: boolean;
  readonly errTruncated?: boolean;
}

export interface ProbeResult {
  readonly version: string;
  /** Privileges the token holds on `/vms` (or inherited from `/`). */
  readonly privileges: Record<string, number>;
}

/**
 * One interface of a running container as pve-container's `GET …/lxc/{vmid}/interfaces` lists it
 * (`ip --json a` in the container's network namespace): its name and MAC, and its addresses.
 */
export interface ContainerInterface {
  readonly name: string;
  readonly hwaddr?: string;
  readonly inet?: string;
  readonly inet6?: string;
}

/** What each command answers. */
export interface CommandResults {
  version: ProxmoxVersion;
  listGuests: ProxmoxVm[];
  nextVmid: { vmid: number };
  guestStatus: { readonly status?: string; readonly [field: string]: unknown };
  listSnapshots: SnapshotEntry[];
  /** The snapshots and the parent of Proxmox's `current` entry (where the guest's state stands). */
  snapshotTree: { snapshots: SnapshotEntry[]; currentParent: string | null };
  createSnapshot: StartedTask;
  deleteSnapshot: StartedTask;
  rollbackSnapshot: StartedTask;
  updateSnapshotDescription: Record<string, never>;
  clearTags: Record<string, never>;
  renameGuest: Record<string, never>;
  guestConfig: Record<string, unknown>;
  /** The options written: each network device as it now reads (with `link_down=1`) and the tag. */
  isolateGuest: { options: Record<string, string> };
  destroyGuest: StartedTask;
  startGuest: StartedTask;
  stopGuest: StartedTask;
  clone: StartedTask;
  vzdump: StartedTask;
  listBackups: BackupVolume[];
  listVmstates: VmstateVolume[];
  listStorages: ProxmoxStorage[];
  vmstateTarget: { storage: string; bytes: number };
  backupTaskStatus: BackupTaskStatus;
  deleteVolume: { upid: string | null };
  updateVolume: Record<string, never>;
  restore: StartedTask;
  taskStatus: TaskStatus;
  snapshotTaskStatus: SnapshotTaskStatus;
  taskOutcome: { status: 'running' | 'stopped'; exitstatus: string | null };
  /** The agent took the task to follow; its outcome comes later, through the task token. */
  followTask: { following: true };
  agentPing: Record<string, never>;
  /** Empty when the container runs no init process (Proxmox answers no data then). */
  containerInterfaces: ContainerInterface[];
  agentExec: { pid: number };
  agentExecStatus: AgentExecStatus;
}

/** Every command type, in one list (an agent announces the ones it runs). */
export const COMMAND_TYPES: readonly string[] = ConnectorCommandSchema.options.map(
  (option) => option.shape.type.value,
);

/** The answer to a connector request: the command's result, or the probe's. */
export type ConnectorResult<R extends ConnectorRequest> = R extends { probe: unknown }
  ? ProbeResult
  : R extends { command: infer C extends ConnectorCommand }
    ? CommandResults[C['type']]
    : never;
