import { createHash } from 'node:crypto';
import { formatUpid } from '#shared/domain/proxmox/upid.ts';
import { vmstateBytes } from '#shared/domain/proxmox/vmstate-target.ts';
import { SimGuestAgents } from './guest-agent.ts';
import type { GuestType, SimGuest, SimSnapshot, SimState, SimStorage, SimTask, SimVolume } from './model.ts';
import { SimError } from './sim-error.ts';

/** How long each kind of task takes at time factor 1 (milliseconds). */
const DEFAULT_TASK_DURATIONS: Record<string, number> = {
  snapshot: 2000,
  delsnapshot: 1500,
  rollback: 3000,
  clone: 5000,
  vzdump: 8000,
  restore: 8000,
  start: 1000,
  stop: 1000,
  destroy: 1000,
  imgdel: 300,
};

export interface SimulatorOptions {
  readonly now?: () => number;
  /** Multiplies every task duration (0.01 makes a 2 s snapshot take 20 ms). */
  readonly timeFactor?: number;
  readonly taskDurations?: Partial<Record<string, number>>;
  /** One task's duration in milliseconds, before `timeFactor` (benchmarks: vzdumps of different lengths); undefined: by kind. */
  readonly taskDuration?: (kind: string, id: string) => number | undefined;
  /** Called after every change of state (the local runtime saves it). */
  readonly onChange?: (state: SimState) => void;
}

interface TaskFault {
  readonly message: string;
  readonly type?: string;
  readonly vmid?: number;
  remaining: number;
}

interface TaskSteps {
  /** Checks and effects at the start of the worker; throwing fails the task. */
  begin(log: string[]): void;
  /** Effects when the task's time is up. */
  end(log: string[]): void;
  /** Undoes `begin` when the task fails. */
  abort?(): void;
  /** The task's exit status for a failure (logging what the worker logs); the failure's text by default. */
  fail?(message: string, log: string[]): string;
}

const SNAPSHOT_NAME = /^[a-z][a-z0-9_-]+$/i;

/** vzdump's job-init error for a storage that cannot be activated (pve-storage `activate_storage`). */
const notOnline = (storage: string) =>
  `could not activate storage '${storage}': storage '${storage}' is not online`;
const VMID = /^[1-9][0-9]{2,8}$/;

const pad2 = (n: number) => String(n).padStart(2, '0');
/** The archive name's stamp (the node's local time; the simulated nodes run on UTC). */
const vzdumpStamp = (t: Date) =>
  `${t.getUTCFullYear()}_${pad2(t.getUTCMonth() + 1)}_${pad2(t.getUTCDate())}-${pad2(t.getUTCHours())}_${pad2(t.getUTCMinutes())}_${pad2(t.getUTCSeconds())}`;
const isoLocal = (t: Date) => t.toISOString().slice(0, 19).replace('T', ' ');
const duration = (seconds: number) =>
  `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
/** vzdump's `format_size`: GiB, MiB or KiB with two decimals, spelled GB/MB/KB. */
function humanSize(bytes: number): string {
  const kb = bytes / 1024;
  if (kb < 1024) return `${kb.toFixed(0)}KB`;
  const mb = kb / 1024;
  if (mb < 1024) return `${mb.toFixed(2)}MB`;
  return `${(mb / 1024).toFixed(2)}GB`;
}

const NET_KEY = /^net\d+$/;
/** A guest's network devices; one on vmbr0 unless set (QEMU `model=MAC`, LXC `name=eth0,...`). */
function netsOf(guest: SimGuest): Record<string, string> {
  if (guest.nets) return guest.nets;
  const mac = `BC:24:11:00:${pad2(Math.floor(guest.vmid / 100) % 100)}:${pad2(guest.vmid % 100)}`;
  return {
    net0:
      guest.type === 'qemu'
        ? `virtio=${mac},bridge=vmbr0,firewall=1`
        : `name=eth0,bridge=vmbr0,hwaddr=${mac},ip=dhcp,type=veth`,
  };
}

/** A stable process id per guest on the simulated node. */
const simulatedPid = (vmid: number) => 100_000 + vmid;

const typeLabel = (type: GuestType) => (type === 'qemu' ? 'VM' : 'CT');
const configPath = (node: string, type: GuestType, vmid: number) =>
  `nodes/${node}/${type === 'qemu' ? 'qemu-server' : 'lxc'}/${vmid}.conf`;
const taskPrefix = (type: GuestType) => (type === 'qemu' ? 'qm' : 'vz');

/** One page of a task's log: `data` is the lines, `total` (beside it in the envelope) counts them all. */
export class TaskLogPage {
  readonly lines: Array<{ n: number; t: string }>;
  readonly total: number;

  constructor(lines: Array<{ n: number; t: string }>, total: number) {
    this.lines = lines;
    this.total = total;
  }
}

/**
 * A Proxmox VE cluster in memory, following Proxmox's own rules for snapshots, locks, tasks,
 * clones, backups and restores (see shared/PROXMOX.md). The HTTP layer in `server.ts` turns its
 * results and {@link SimError}s into Proxmox's wire format.
 */
export class ProxmoxSimulator {
  readonly state: SimState;
  readonly #now: () => number;
  readonly #timeFactor: number;
  readonly #taskDuration: SimulatorOptions['taskDuration'];
  readonly #durations: Record<string, number>;
  readonly #onChange: ((state: SimState) => void) | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #taskFaults: TaskFault[] = [];
  readonly #steps = new Map<string, TaskSteps>();
  readonly #agents: SimGuestAgents;
  /** Per vmid, when its last vzdump started: archive stamps only ever move forward. */
  readonly #lastVzdump = new Map<number, number>();

  constructor(state: SimState, options: SimulatorOptions = {}) {
    this.state = state;
    this.#now = options.now ?? Date.now;
    this.#timeFactor = options.timeFactor ?? 1;
    this.#durations = { ...DEFAULT_TASK_DURATIONS, ...options.taskDurations } as Record<string, number>;
    this.#taskDuration = options.taskDuration;
    this.#onChange = options.onChange;
    this.#agents = new SimGuestAgents({ now: this.#now, timeFactor: this.#timeFactor });
    this.#recoverInterruptedTasks();
  }

  /** Stops pending task timers (tasks stay as they are, like a crashed node's). */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  // ---- cluster ----

  version() {
    const [major = '8', minor = '4'] = this.state.version.split('.');
    return { version: this.state.version, release: `${major}.${minor}`, repoid: 'c9aefbd3a6e1d0f2' };
  }

  nodes() {
    return this.state.nodes.map((node) => ({
      id: `node/${node.node}`,
      node: node.node,
      type: 'node',
      status: node.online ? 'online' : 'offline',
      level: '',
      ...(node.online
        ? { uptime: 86_400, cpu: 0.05, maxcpu: node.maxcpu, mem: node.maxmem / 4, maxmem: node.maxmem }
        : {}),
      ssl_fingerprint: '',
    }));
  }

  /** GET /cluster/resources: entries sorted by id string, as Proxmox does. */
  clusterResources(type?: string) {
    if (type !== undefined && !['vm', 'storage', 'node', 'sdn'].includes(type)) {
      throw SimError.params({
        type: `value '${type}' does not have a value in the enumeration 'vm, storage, node, sdn'`,
      });
    }
    const entries: Array<Record<string, unknown>> = [];
    if (type === undefined || type === 'vm') {
      for (const guest of this.state.guests) entries.push(this.#vmEntry(guest));
    }
    if (type === undefined || type === 'node') {
      for (const node of this.nodes()) {
        const { ssl_fingerprint: _fingerprint, ...entry } = node;
        entries.push(entry);
      }
    }
    if (type === undefined || type === 'storage') {
      for (const storage of this.state.storages) {
        for (const node of storage.nodes) {
          entries.push({
            id: `storage/${node}/${storage.storage}`,
            storage: storage.storage,
            node,
            type: 'storage',
            plugintype: storage.type,
            shared: storage.shared ? 1 : 0,
            content: storage.content.join(','),
            // pvestatd reports only active storages; without its figures the entry is `unknown`.
            ...(this.#node(node)?.online && storage.active !== false
              ? { status: 'available', maxdisk: storage.total, disk: storage.used }
              : { status: 'unknown' }),
          });
        }
      }
    }
    if (type === undefined) {
      for (const pool of this.state.pools) entries.push({ id: `/pool/${pool}`, pool, type: 'pool' });
    }
    return entries.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  }

  #vmEntry(guest: SimGuest): Record<string, unknown> {
    const online = this.#node(guest.node)?.online ?? false;
    return {
      id: `${guest.type}/${guest.vmid}`,
      vmid: guest.vmid,
      node: guest.node,
      type: guest.type,
      ...(online
        ? {
            name: guest.name,
            status: guest.status,
            uptime: guest.status === 'running' ? 3600 : 0,
            template: guest.template ? 1 : 0,
            maxcpu: guest.cores,
            cpu: guest.status === 'running' ? 0.02 : 0,
            maxmem: guest.maxmem,
            mem: guest.status === 'running' ? guest.maxmem / 2 : 0,
            maxdisk: guest.maxdisk,
            disk: 0,
            netin: 0,
            netout: 0,
            diskread: 0,
            diskwrite: 0,
          }
        : { status: 'unknown' }),
      ...(guest.pool ? { pool: guest.pool } : {}),
      ...(guest.lock ? { lock: guest.lock } : {}),
      ...(guest.tags.length > 0 ? { tags: guest.tags.join(';') } : {}),
    };
  }

  nextId(requested?: string): string {
    if (requested !== undefined) {
      if (!VMID.test(requested)) throw SimError.params({ vmid: 'value does not look like a valid VM ID' });
      if (this.state.guests.some((guest) => guest.vmid === Number(requested))) {
        throw new SimError(400, `VM ${requested} already exists`, { vmid: `VM ${requested} already exists` });
      }
      return requested;
    }
    let vmid = 100;
    const used = new Set(this.state.guests.map((guest) => guest.vmid));
    while (used.has(vmid)) vmid++;
    return String(vmid);
  }

  // ---- guests ----

  /** The guest at that node/type/vmid, or Proxmox's "configuration file does not exist". */
  guest(node: string, type: GuestType, vmid: number): SimGuest {
    const guest = this.state.guests.find((g) => g.vmid === vmid && g.node === node && g.type === type);
    if (!guest) throw SimError.die(`Configuration file '${configPath(node, type, vmid)}' does not exist`);
    return guest;
  }

  guestStatus(node: string, type: GuestType, vmid: number) {
    const guest = this.guest(node, type, vmid);
    return {
      vmid,
      name: guest.name,
      status: guest.status,
      uptime: guest.status === 'running' ? 3600 : 0,
      // The QEMU process, or a container's init process, as seen on the node.
      ...(guest.status === 'running' ? { pid: simulatedPid(guest.vmid) } : {}),
      maxmem: guest.maxmem,
      maxdisk: guest.maxdisk,
      cpus: guest.cores,
      ...(guest.lock ? { lock: guest.lock } : {}),
      ...(guest.template ? { template: 1 } : {}),
      ...(guest.tags.length ? { tags: guest.tags.join(';') } : {}),
      ...(type === 'qemu' ? { qmpstatus: guest.status } : { type: 'lxc' }),
    };
  }

  guestConfig(node: string, type: GuestType, vmid: number): Record<string, unknown> {
    const guest = this.guest(node, type, vmid);
    return {
      ...this.#config(guest),
      digest: guest.digest,
      ...(guest.lock ? { lock: guest.lock } : {}),
      ...(guest.parent ? { parent: guest.parent } : {}),
    };
  }

  /**
   * PUT `/config` (synchronous): only `tags` and `delete` are simulated (hardware changes are
   * not). Tags are normalised like pve-guest-common's get_unique_tags: split on `,` `;` or
   * spaces, de-duplicated, sorted. A locked guest refuses the change.
   */
  updateConfig(node: string, type: GuestType, vmid: number, params: Record<string, string>): null {
    const guest = this.guest(node, type, vmid);
    // QEMU names a guest `name`, LXC `hostname`; each refuses the other's (unknown property).
    const nameKey = type === 'qemu' ? 'name' : 'hostname';
    const unsupported = Object.keys(params).filter(
      (key) => !['tags', 'delete', 'digest', nameKey].includes(key) && !NET_KEY.test(key),
    );
    if (unsupported.length > 0)
      throw SimError.params(
        Object.fromEntries(
          unsupported.map((key) => [
            key,
            key === 'name' || key === 'hostname'
              ? 'property is not defined in schema and the schema does not allow additional properties'
              : 'not simulated: only tags, the name and delete are',
          ]),
        ),
      );
    const deleted = (params.delete ?? '').split(/[,;\s]+/).filter(Boolean);
    if (params.digest !== undefined && params.digest !== guest.digest)
      throw SimError.die('detected modified configuration - file changed by other user? Try again.');
    if (guest.lock) throw SimError.die(`${typeLabel(type)} is locked (${guest.lock})`);
    if (params.tags !== undefined)
      guest.tags = [...new Set(params.tags.split(/[,;\s]+/).filter(Boolean))].sort();
    if (deleted.includes('tags')) guest.tags = [];
    const name = params[nameKey];
    if (name !== undefined) guest.name = name;
    const nets = Object.entries(params).filter(([key]) => NET_KEY.test(key));
    if (nets.length > 0) guest.nets = { ...netsOf(guest), ...Object.fromEntries(nets) };
    this.#touch(guest);
    this.#changed();
    return null;
  }

  #config(guest: SimGuest): Record<string, string | number> {
    const disk = `${guest.storage}:vm-${guest.vmid}-disk-0,size=${Math.round(guest.maxdisk / 1024 ** 3)}G`;
    return guest.type === 'qemu'
      ? {
          name: guest.name,
          cores: guest.cores,
          memory: Math.round(guest.maxmem / 1024 ** 2),
          scsi0: disk,
          ...netsOf(guest),
          ...(guest.agent !== undefined ? { agent: guest.agent } : {}),
          ...(guest.tags.length ? { tags: guest.tags.join(';') } : {}),
          ...(guest.template ? { template: 1 } : {}),
        }
      : {
          hostname: guest.name,
          cores: guest.cores,
          memory: Math.round(guest.maxmem / 1024 ** 2),
          rootfs: disk,
          ...netsOf(guest),
          ...(guest.tags.length ? { tags: guest.tags.join(';') } : {}),
          ...(guest.template ? { template: 1 } : {}),
        };
  }

  #checkLock(guest: SimGuest): void {
    if (guest.lock) throw new Error(`${typeLabel(guest.type)} is locked (${guest.lock})`);
  }

  #touch(guest: SimGuest): void {
    guest.digest = createHash('sha1').update(`${guest.digest}${this.#now()}${Math.random()}`).digest('hex');
  }

  // ---- snapshots ----

  listSnapshots(node: string, type: GuestType, vmid: number) {
    const guest = this.guest(node, type, vmid);
    const items: Array<Record<string, unknown>> = guest.snapshots.map((snapshot) => ({
      name: snapshot.name,
      snaptime: snapshot.snaptime,
      ...(type === 'qemu' ? { vmstate: snapshot.vmstate ? 1 : 0 } : {}),
      description: snapshot.description,
      ...(snapshot.parent ? { parent: snapshot.parent } : {}),
      ...(snapshot.snapstate ? { snapstate: snapshot.snapstate } : {}),
    }));
    items.push({
      name: 'current',
      digest: guest.digest,
      running: guest.status === 'running' ? 1 : 0,
      description: 'You are here!',
      ...(guest.parent ? { parent: guest.parent } : {}),
    });
    return items;
  }

  #validateSnapname(snapname: unknown): string {
    if (typeof snapname !== 'string' || snapname === '') {
      throw SimError.params({ snapname: 'property is missing and it is not optional' });
    }
    if (snapname.length > 40) throw SimError.params({ snapname: 'value may only be 40 characters long' });
    if (!SNAPSHOT_NAME.test(snapname)) {
      throw SimError.params({ snapname: `invalid format - invalid configuration ID '${snapname}'\n` });
    }
    return snapname;
  }

  createSnapshot(
    user: string,
    node: string,
    type: GuestType,
    vmid: number,
    params: Record<string, string>,
  ): string {
    const snapname = this.#validateSnapname(params.snapname);
    if (type === 'lxc' && params.vmstate !== undefined) {
      throw SimError.params({
        vmstate: 'property is not defined in schema and the schema does not allow additional properties',
      });
    }
    // qemu loads the config before forking; lxc only inside the task.
    const guest = type === 'qemu' ? this.guest(node, type, vmid) : undefined;
    if (snapname === 'current') throw SimError.die("unable to use snapshot name 'current' (reserved name)");
    if (type === 'qemu' && snapname.toLowerCase() === 'pending')
      throw SimError.die("unable to use snapshot name 'pending' (reserved name)");
    if (type === 'lxc' && snapname === 'vzdump')
      throw SimError.die("unable to use snapshot name 'vzdump' (reserved name)");
    const vmstate = params.vmstate === '1' || params.vmstate === 'true';
    let snapshot: SimSnapshot | undefined;
    return this.#startTask(user, node, `${taskPrefix(type)}snapshot`, String(vmid), 'snapshot', {
      begin: () => {
        const target = guest ?? this.guest(node, type, vmid);
        if (target.template) throw new Error("you can't take a snapshot if it's a template");
        this.#checkLock(target);
        if (target.snapshots.some((existing) => existing.name === snapname))
          throw new Error(`snapshot name '${snapname}' already used`);
        target.lock = 'snapshot';
        snapshot = {
          name: snapname,
          snaptime: Math.floor(this.#now() / 1000),
          description: params.description ?? '',
          vmstate: vmstate && type === 'qemu' && target.status === 'running',
          ...(target.parent ? { parent: target.parent } : {}),
          snapstate: 'prepare',
          config: this.#config(target),
          running: target.status === 'running',
        };
        target.snapshots.push(snapshot);
        if (snapshot.vmstate) this.#allocateVmstate(node, target, snapshot);
      },
      end: () => {
        const target = this.guest(node, type, vmid);
        if (snapshot) delete snapshot.snapstate;
        delete target.lock;
        target.parent = snapname;
        this.#touch(target);
      },
      abort: () => {
        const target = this.state.guests.find((g) => g.vmid === vmid);
        if (!target || !snapshot) return;
        this.#freeVmstate(target, snapshot);
        target.snapshots = target.snapshots.filter((existing) => existing !== snapshot);
        if (target.lock === 'snapshot') delete target.lock;
      },
    });
  }

  /** The RAM state volume goes on the guest's disk storage (qemu-server's `find_vmstate_storage`) and counts there. */
  #allocateVmstate(node: string, guest: SimGuest, snapshot: SimSnapshot): void {
    const storage = this.#storage(node, guest.storage);
    if (!storage) return;
    snapshot.vmstateSize = vmstateBytes(guest.maxmem);
    storage.used += snapshot.vmstateSize;
  }

  #freeVmstate(guest: SimGuest, snapshot: SimSnapshot): void {
    if (!snapshot.vmstateSize) return;
    const storage = this.#storage(guest.node, guest.storage);
    if (storage) storage.used = Math.max(0, storage.used - snapshot.vmstateSize);
    delete snapshot.vmstateSize;
  }

  snapshotConfig(node: string, type: GuestType, vmid: number, snapname: string) {
    const guest = this.guest(node, type, vmid);
    const snapshot = guest.snapshots.find((s) => s.name === snapname);
    if (!snapshot) throw SimError.die(`snapshot '${snapname}' does not exist`);
    return {
      ...snapshot.config,
      snaptime: snapshot.snaptime,
      description: snapshot.description,
      ...(snapshot.parent ? { parent: snapshot.parent } : {}),
    };
  }

  updateSnapshotDescription(
    node: string,
    type: GuestType,
    vmid: number,
    snapname: string,
    description: string | undefined,
  ) {
    const guest = this.guest(node, type, vmid);
    // Proxmox returns at once without any check when no description is given.
    if (description === undefined) return null;
    if (guest.lock) throw SimError.die(`${typeLabel(type)} is locked (${guest.lock})`);
    const snapshot = guest.snapshots.find((s) => s.name === snapname);
    if (!snapshot) throw SimError.die(`snapshot '${snapname}' does not exist`);
    snapshot.description = description;
    this.#changed();
    return null;
  }

  deleteSnapshot(
    user: string,
    node: string,
    type: GuestType,
    vmid: number,
    snapname: string,
    force: boolean,
  ): string {
    this.guest(node, type, vmid);
    let deleted: SimSnapshot | undefined;
    return this.#startTask(user, node, `${taskPrefix(type)}delsnapshot`, String(vmid), 'delsnapshot', {
      begin: () => {
        const target = this.guest(node, type, vmid);
        if (target.template) throw new Error("you can't delete a snapshot if vm is a template");
        if (!force) this.#checkLock(target);
        deleted = target.snapshots.find((s) => s.name === snapname);
        if (!deleted) throw new Error(`snapshot '${snapname}' does not exist`);
        target.lock = 'snapshot-delete';
        deleted.snapstate = 'delete';
      },
      end: () => {
        const target = this.guest(node, type, vmid);
        const removed = deleted as SimSnapshot;
        this.#freeVmstate(target, removed);
        target.snapshots = target.snapshots.filter((s) => s !== removed);
        // Children of the deleted snapshot now hang off its parent.
        for (const child of target.snapshots) {
          if (child.parent === removed.name) {
            if (removed.parent) child.parent = removed.parent;
            else delete child.parent;
          }
        }
        if (target.parent === removed.name) {
          if (removed.parent) target.parent = removed.parent;
          else delete target.parent;
        }
        delete target.lock;
        this.#touch(target);
      },
      abort: () => {
        const target = this.state.guests.find((g) => g.vmid === vmid);
        if (deleted) delete deleted.snapstate;
        if (target?.lock === 'snapshot-delete') delete target.lock;
      },
    });
  }

  rollbackSnapshot(
    user: string,
    node: string,
    type: GuestType,
    vmid: number,
    snapname: string,
    start: boolean,
  ): string {
    this.guest(node, type, vmid);
    let snapshot: SimSnapshot | undefined;
    return this.#startTask(user, node, `${taskPrefix(type)}rollback`, String(vmid), 'rollback', {
      begin: () => {
        const target = this.guest(node, type, vmid);
        if (target.template) throw new Error("you can't rollback if vm is a template");
        this.#checkLock(target);
        snapshot = target.snapshots.find((s) => s.name === snapname);
        if (!snapshot) throw new Error(`snapshot '${snapname}' does not exist`);
        if (snapshot.snapstate)
          throw new Error(`unable to rollback to incomplete snapshot (snapstate = ${snapshot.snapstate})`);
        target.lock = 'rollback';
        // qemu-server stops the VM before rolling back.
        target.status = 'stopped';
      },
      end: () => {
        const target = this.guest(node, type, vmid);
        const chosen = snapshot as SimSnapshot;
        target.parent = chosen.name;
        const config = chosen.config;
        target.name = String(config.name ?? config.hostname ?? target.name);
        target.status = chosen.vmstate || start ? 'running' : 'stopped';
        delete target.lock;
        this.#touch(target);
      },
      abort: () => {
        const target = this.state.guests.find((g) => g.vmid === vmid);
        if (target?.lock === 'rollback') delete target.lock;
      },
    });
  }

  // ---- power ----

  setPower(user: string, node: string, type: GuestType, vmid: number, action: 'start' | 'stop'): string {
    this.guest(node, type, vmid);
    return this.#startTask(user, node, `${taskPrefix(type)}${action}`, String(vmid), action, {
      begin: () => {
        const target = this.guest(node, type, vmid);
        this.#checkLock(target);
        if (action === 'start' && target.template) throw new Error('you can\u2019t start a template');
      },
      end: () => {
        const target = this.guest(node, type, vmid);
        // pve-container's start fails when the container's init does not come up; a VM's QEMU runs anyway.
        if (action === 'start' && target.noBoot && type === 'lxc')
          throw new Error(`startup for container '${vmid}' failed`);
        target.status = action === 'start' ? 'running' : 'stopped';
      },
    });
  }

  /**
   * DELETE `/nodes/{node}/{type}/{vmid}` (qemu-server `destroy_vm`, pve-container `destroy_vm`):
   * a running guest is refused before the task; the task removes the guest and its disks.
   */
  destroyGuest(user: string, node: string, type: GuestType, vmid: number): string {
    const guest = this.guest(node, type, vmid);
    if (guest.status === 'running')
      throw SimError.die(
        type === 'qemu'
          ? `VM ${vmid} is running - destroy failed`
          : `unable to destroy CT ${vmid} - container is running`,
      );
    return this.#startTask(user, node, `${taskPrefix(type)}destroy`, String(vmid), 'destroy', {
      begin: () => {
        const target = this.guest(node, type, vmid);
        this.#checkLock(target);
        target.lock = 'destroyed';
      },
      end: () => {
        this.state.guests = this.state.guests.filter((g) => !(g.vmid === vmid && g.node === node));
      },
      abort: () => {
        const target = this.state.guests.find((g) => g.vmid === vmid && g.node === node);
        if (target?.lock === 'destroyed') delete target.lock;
      },
    });
  }

  /** Fault: the guest (and every later clone of it) does not boot. */
  setNoBoot(vmid: number, noBoot: boolean): void {
    const guest = this.state.guests.find((g) => g.vmid === vmid);
    if (!guest) throw new Error(`no guest ${vmid}`);
    if (noBoot) guest.noBoot = true;
    else delete guest.noBoot;
    this.#changed();
  }

  // ---- clone ----

  clone(user: string, node: string, type: GuestType, vmid: number, params: Record<string, string>): string {
    const source = this.guest(node, type, vmid);
    if (!params.newid) throw SimError.params({ newid: 'property is missing and it is not optional' });
    if (!VMID.test(params.newid)) throw SimError.params({ newid: 'value does not look like a valid VM ID' });
    const newid = Number(params.newid);
    if (source.lock) throw SimError.die(`${typeLabel(type)} is locked (${source.lock})`);
    const snapname = params.snapname;
    if (snapname !== undefined && !source.snapshots.some((s) => s.name === snapname)) {
      throw SimError.die(`snapshot '${snapname}' does not exist`);
    }
    const full = params.full === undefined ? !source.template : params.full === '1' || params.full === 'true';
    if (!full && params.storage) throw SimError.die("parameter 'storage' not allowed for linked clones");
    const targetNode = params.target ?? node;
    if (!this.#node(targetNode)) throw SimError.die(`no such cluster node '${targetNode}'`);
    if (targetNode !== node && !this.#storage(targetNode, source.storage)?.shared) {
      throw SimError.die(`can't clone VM to node '${targetNode}' (VM uses local storage)`);
    }
    if (this.state.guests.some((g) => g.vmid === newid)) {
      throw SimError.die(`unable to create VM ${newid}: config file already exists`);
    }
    if (type === 'lxc' && full && source.status === 'running' && snapname === undefined) {
      throw SimError.die('Full clone of a running container is only possible from a snapshot');
    }
    const storage = params.storage ?? source.storage;
    if (params.pool && !this.state.pools.includes(params.pool))
      throw new SimError(403, `Permission check failed (pool '${params.pool}' does not exist)`);
    let clone: SimGuest | undefined;
    return this.#startTask(user, node, `${taskPrefix(type)}clone`, String(vmid), 'clone', {
      begin: () => {
        if (!full && !source.template) {
          const volume = `${source.storage}:vm-${vmid}-disk-0`;
          throw new Error(
            type === 'qemu'
              ? `Linked clone feature is not supported for${snapname ? ' a snapshot of' : ''} '${volume}' (scsi0)`
              : `Linked clone feature for '${volume}' is not available`,
          );
        }
        if (type === 'lxc') source.lock = 'disk';
        clone = {
          ...structuredClone(source),
          vmid: newid,
          node: targetNode,
          name: params.name ?? params.hostname ?? `Copy-of-${source.name}`,
          status: 'stopped',
          template: false,
          lock: 'clone',
          storage,
          snapshots: [],
          ...(params.pool ? { pool: params.pool } : {}),
        };
        // A clone of a snapshot gets the snapshot's config (tags included), not the current one.
        const fromSnapshot = source.snapshots.find((s) => s.name === snapname)?.config;
        if (fromSnapshot)
          clone.tags = String(fromSnapshot.tags ?? '')
            .split(';')
            .filter(Boolean);
        delete clone.parent;
        if (!params.pool) delete clone.pool;
        this.state.guests.push(clone);
      },
      end: () => {
        if (clone) delete clone.lock;
        if (source.lock === 'disk') delete source.lock;
      },
      abort: () => {
        this.state.guests = this.state.guests.filter((g) => g !== clone);
        if (source.lock === 'disk') delete source.lock;
      },
    });
  }

  // ---- storage and backups ----

  #node(name: string) {
    return this.state.nodes.find((node) => node.node === name);
  }

  #storage(node: string, storage: string): SimStorage | undefined {
    return this.state.storages.find((s) => s.storage === storage && s.nodes.includes(node));
  }

  storages(node: string, content?: string) {
    if (!this.#node(node))
      throw SimError.die(
        `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
      );
    return this.state.storages
      .filter((storage) => storage.nodes.includes(node))
      .filter((storage) => content === undefined || storage.content.includes(content))
      .map((storage) => {
        const listed = {
          storage: storage.storage,
          type: storage.type,
          content: storage.content.join(','),
          enabled: 1,
          shared: storage.shared ? 1 : 0,
        };
        // pve-storage's storage_info: an inactive storage keeps total/used/avail at 0 and gets no used_fraction.
        if (storage.active === false) return { ...listed, active: 0, total: 0, used: 0, avail: 0 };
        return {
          ...listed,
          active: 1,
          total: storage.total,
          used: storage.used,
          avail: storage.total - storage.used,
          used_fraction: storage.used / storage.total,
        };
      });
  }

  storageContent(node: string, storageId: string, content?: string, vmid?: number) {
    const storage = this.#storage(node, storageId);
    if (!storage) throw SimError.die(`storage '${storageId}' does not exist`);
    if (content === 'images') return this.#stateVolumes(node, storageId, storage.shared, vmid);
    if (content !== undefined && content !== 'backup') return [];
    const archives = this.state.volumes
      .filter((volume) => volume.storage === storageId && (storage.shared || volume.node === node))
      .filter((volume) => vmid === undefined || volume.vmid === vmid)
      .map((volume) => ({
        volid: volume.volid,
        format: volume.format,
        size: volume.size,
        ctime: volume.ctime,
        subtype: volume.subtype,
        vmid: volume.vmid,
        content: 'backup',
        ...(volume.notes ? { notes: volume.notes } : {}),
        ...(volume.protected ? { protected: 1 } : {}),
      }));
    return content === undefined
      ? [...archives, ...this.#stateVolumes(node, storageId, storage.shared, vmid)]
      : archives;
  }

  /**
   * RAM state volumes as pve-storage lists them among a storage's images: qemu-server's name
   * `vm-<vmid>-state-<snapname>` (`<vmid>/…raw` on a file-based storage), raw, with its size.
   */
  #stateVolumes(node: string, storageId: string, shared: boolean, vmid?: number) {
    const fileBased = ['dir', 'nfs'].includes(this.#storage(node, storageId)?.type ?? '');
    return this.state.guests
      .filter((guest) => guest.storage === storageId && (shared || guest.node === node))
      .filter((guest) => vmid === undefined || guest.vmid === vmid)
      .flatMap((guest) =>
        guest.snapshots.flatMap((snapshot) => {
          if (!snapshot.vmstateSize) return [];
          const name = `vm-${guest.vmid}-state-${snapshot.name}`;
          return [
            {
              volid: fileBased ? `${storageId}:${guest.vmid}/${name}.raw` : `${storageId}:${name}`,
              format: 'raw',
              size: snapshot.vmstateSize,
              ctime: snapshot.snaptime,
              vmid: guest.vmid,
              content: 'images',
            },
          ];
        }),
      );
  }

  /**
   * `POST /nodes/{node}/vzdump` for one guest, as PVE::VZDump runs it: the guest's config holds
   * the `backup` lock for the whole task; the archive is written as
   * `vzdump-{qemu|lxc}-{vmid}-{stamp}.{vma|tar}[.zst|.lzo|.gz]` and its size counts on the
   * storage's usage. A guest that fails is logged as `ERROR: Backup of VM {vmid} failed - ...`
   * and the job ends with `job errors` (the one exit status vzdump gives a failed guest).
   */
  vzdump(user: string, node: string, params: Record<string, string>): string {
    if (!params.vmid) throw SimError.params({ vmid: 'property is missing and it is not optional' });
    const vmid = Number(params.vmid);
    const storageId = params.storage ?? 'local';
    const storage = this.#storage(node, storageId);
    if (!storage) throw SimError.params({ storage: `storage '${storageId}' does not exist` });
    if (!storage.content.includes('backup'))
      throw SimError.params({ storage: `storage '${storageId}' does not support backups` });
    const mode = params.mode ?? 'snapshot';
    if (!['snapshot', 'suspend', 'stop'].includes(mode)) {
      throw SimError.params({
        mode: `value '${mode}' does not have a value in the enumeration 'snapshot, suspend, stop'`,
      });
    }
    const compress = params.compress ?? '0';
    if (!['0', '1', 'gzip', 'lzo', 'zstd'].includes(compress)) {
      throw SimError.params({
        compress: `value '${compress}' does not have a value in the enumeration '0, 1, gzip, lzo, zstd'`,
      });
    }
    const guest = this.state.guests.find((g) => g.vmid === vmid);
    if (guest && guest.node !== node) return 'OK';
    // A real vzdump of a guest takes longer than a second, so two archives of one guest never
    // share a stamp and a newer one never sorts before an older one; the simulated one may be
    // faster, so it moves on to the next second that is free and after its previous archive's
    // (a pruned archive's stamp is never reused for a new one).
    const previous = this.#lastVzdump.get(vmid);
    let started = Math.max(this.#now(), previous === undefined ? 0 : previous + 1000);
    const taken = (at: number) =>
      this.state.volumes.some(
        (v) => v.vmid === vmid && v.volid.includes(`-${vmid}-${vzdumpStamp(new Date(at))}.`),
      );
    while (taken(started)) started += 1000;
    this.#lastVzdump.set(vmid, started);
    const stamp = vzdumpStamp(new Date(started));
    const extension = { '0': '', '1': '.lzo', lzo: '.lzo', gzip: '.gz', zstd: '.zst' }[compress] ?? '';
    const options = ['storage', 'mode', 'compress', 'bwlimit', 'protected']
      .filter((key) => params[key] !== undefined)
      .map((key) => ` --${key} ${params[key]}`)
      .join('');
    return this.#startTask(user, node, 'vzdump', String(vmid), 'vzdump', {
      begin: (log) => {
        // PVE::VZDump->new activates the storage before the job starts: the whole task dies with it.
        if (storage.active === false) throw new Error(notOnline(storageId));
        log.push(`INFO: starting new backup job: vzdump ${vmid}${options}`);
        if (!guest) throw new Error(`unable to find VM '${vmid}'`);
        log.push(`INFO: Starting Backup of VM ${vmid} (${guest.type})`);
        log.push(`INFO: Backup started at ${isoLocal(new Date(started))}`);
        this.#checkLock(guest);
        guest.lock = 'backup';
        log.push(`INFO: backup mode: ${mode}`);
        if (params.bwlimit) log.push(`INFO: bandwidth limit: ${params.bwlimit} KiB/s`);
        const base = guest.type === 'qemu' ? 'vma' : 'tar';
        log.push(
          `INFO: creating vzdump archive '${storageId === 'local' ? '/var/lib/vz' : `/mnt/pve/${storageId}`}/dump/vzdump-${guest.type}-${vmid}-${stamp}.${base}${extension}'`,
        );
      },
      end: (log) => {
        const target = guest as SimGuest;
        delete target.lock;
        const base = target.type === 'qemu' ? 'vma' : 'tar';
        const size = Math.round(target.maxdisk * (compress === '0' ? 0.4 : 0.15));
        if (storage.used + size > storage.total) {
          throw new Error(
            target.type === 'qemu'
              ? 'vma_queue_write: write error - No space left on device'
              : 'tar: -: Cannot write: No space left on device',
          );
        }
        const volume: SimVolume = {
          volid: `${storageId}:backup/vzdump-${target.type}-${vmid}-${stamp}.${base}${extension}`,
          node,
          storage: storageId,
          vmid,
          subtype: target.type,
          format: `${base}${extension}`,
          size,
          ctime: Math.floor(started / 1000),
          ...(params['notes-template']
            ? {
                notes: params['notes-template']
                  .replaceAll('{{vmid}}', String(vmid))
                  .replaceAll('{{guestname}}', target.name)
                  .replaceAll('{{node}}', node)
                  .replaceAll('{{cluster}}', this.state.clusterName),
              }
            : {}),
          ...(params.protected === '1' ? { protected: true } : {}),
          config: {
            name: target.name,
            tags: [...target.tags],
            maxdisk: target.maxdisk,
            maxmem: target.maxmem,
            cores: target.cores,
            storage: target.storage,
          },
        };
        // Names go by the second: a second archive within it replaces the first, as vzdump's rename does.
        const replaced = this.state.volumes.find((v) => v.volid === volume?.volid);
        if (replaced) {
          this.state.volumes = this.state.volumes.filter((v) => v !== replaced);
          storage.used -= replaced.size;
        }
        this.state.volumes.push(volume);
        storage.used += size;
        const seconds = Math.max(1, Math.round((this.#now() - started) / 1000));
        log.push(`INFO: archive file size: ${humanSize(size)}`);
        log.push(`INFO: Finished Backup of VM ${vmid} (${duration(seconds)})`);
        log.push(`INFO: Backup finished at ${isoLocal(new Date(this.#now()))}`);
        log.push('INFO: Backup job finished successfully');
      },
      abort: () => {
        if (guest?.lock === 'backup') delete guest.lock;
      },
      fail: (message, log) => {
        // A job that never started has no guest line: the task's status is the error itself.
        if (message === notOnline(storageId)) return message;
        log.push(`ERROR: Backup of VM ${vmid} failed - ${message}`);
        log.push(`INFO: Failed at ${isoLocal(new Date(this.#now()))}`);
        return 'job errors';
      },
    });
  }

  deleteVolume(user: string, node: string, storageId: string, volume: string): string {
    const storage = this.#storage(node, storageId) as SimStorage;
    const found = this.#volume(node, storageId, volume);
    const volid = found.volid;
    return this.#startTask(user, node, 'imgdel', volid.replaceAll(/[:/]/g, '_'), 'imgdel', {
      begin: () => {
        if (found.protected)
          throw new Error(
            `cannot remove protected archive '/mnt/pve/${storageId}/dump/${volid.split('/')[1]}'`,
          );
      },
      end: () => {
        this.state.volumes = this.state.volumes.filter((v) => v !== found);
        storage.used -= found.size;
      },
    });
  }

  /**
   * `PUT /nodes/{node}/storage/{storage}/content/{volume}`: a backup's notes and protection
   * (pve-storage `updateattributes`; answers null).
   */
  updateVolume(node: string, storageId: string, volume: string, params: Record<string, string>): void {
    const found = this.#volume(node, storageId, volume);
    if (params.notes !== undefined) {
      if (params.notes === '') delete found.notes;
      else found.notes = params.notes;
    }
    if (params.protected !== undefined) {
      if (params.protected === '1' || params.protected === 'true') found.protected = true;
      else delete found.protected;
    }
    this.#changed();
  }

  #volume(node: string, storageId: string, volume: string): SimVolume {
    if (!this.#storage(node, storageId)) throw SimError.die(`storage '${storageId}' does not exist`);
    const volid = volume.includes(':') ? volume : `${storageId}:${volume}`;
    const found = this.state.volumes.find((v) => v.volid === volid);
    if (!found) throw SimError.die(`volume '${volid}' does not exist`);
    return found;
  }

  /**
   * How Proxmox answers a DELETE of a volume with `delay`: it waits up to that long for the task;
   * finished, it answers null or dies with the task's exit status; still running, the UPID.
   */
  async awaitTask(node: string, upid: string, waitMs: number): Promise<string | null> {
    const until = Date.now() + waitMs;
    let task = this.task(node, upid);
    while (task.status === 'running' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      task = this.task(node, upid);
    }
    if (task.status === 'running') return upid;
    const status = task.exitstatus ?? 'unexpected status';
    if (status === 'OK' || /^WARNINGS: \d+$/.test(status)) return null;
    throw SimError.die(status);
  }

  restore(user: string, node: string, type: GuestType, params: Record<string, string>): string {
    const vmid = Number(params.vmid);
    if (!VMID.test(params.vmid ?? ''))
      throw SimError.params({ vmid: 'value does not look like a valid VM ID' });
    const archive = type === 'qemu' ? params.archive : params.ostemplate;
    const volume = this.state.volumes.find((v) => v.volid === archive);
    if (!archive || !volume) throw SimError.die(`volume '${archive ?? ''}' does not exist`);
    const force = params.force === '1' || params.force === 'true';
    const existing = this.state.guests.find((g) => g.vmid === vmid);
    if (existing && !force) {
      throw SimError.die(
        `unable to restore ${typeLabel(type)} ${vmid} - ${typeLabel(existing.type)} ${vmid} already exists on node '${existing.node}'`,
      );
    }
    if (existing?.status === 'running')
      throw SimError.die(`unable to restore ${typeLabel(type)} ${vmid} - vm is running`);
    let created: SimGuest | undefined;
    return this.#startTask(user, node, `${taskPrefix(type)}restore`, String(vmid), 'restore', {
      begin: () => {
        if (existing) this.#checkLock(existing);
        this.state.guests = this.state.guests.filter((g) => g !== existing);
        // The configuration comes from the archive (qmrestore / pct restore), not from the guest it replaces.
        const config = volume.config;
        created = {
          vmid,
          type,
          node,
          name: config?.name ?? existing?.name ?? `restored-${vmid}`,
          status: 'stopped',
          template: false,
          tags: [...(config?.tags ?? existing?.tags ?? [])],
          lock: 'create',
          maxdisk: config?.maxdisk ?? existing?.maxdisk ?? 32 * 1024 ** 3,
          maxmem: config?.maxmem ?? existing?.maxmem ?? 2 * 1024 ** 3,
          cores: config?.cores ?? existing?.cores ?? 2,
          storage: params.storage ?? config?.storage ?? existing?.storage ?? 'local-lvm',
          snapshots: [],
          digest: '0'.repeat(40),
        };
        this.state.guests.push(created);
      },
      end: () => {
        if (!created) return;
        delete created.lock;
        if (params.start === '1') created.status = 'running';
      },
      abort: () => {
        this.state.guests = this.state.guests.filter((g) => g !== created);
        if (existing) this.state.guests.push(existing);
      },
    });
  }

  // ---- tasks ----

  task(node: string, upid: string): SimTask {
    const task = this.state.tasks.find((t) => t.upid === upid && t.node === node);
    if (!task) throw SimError.params({ upid: 'no such task' });
    return task;
  }

  taskStatus(node: string, upid: string) {
    const task = this.task(node, upid);
    return {
      upid: task.upid,
      node: task.node,
      pid: task.pid,
      pstart: task.pstart,
      starttime: task.starttime,
      type: task.type,
      id: task.id,
      user: task.user,
      status: task.status,
      ...(task.status === 'stopped' ? { exitstatus: task.exitstatus } : {}),
    };
  }

  taskLog(node: string, upid: string, start: number, limit: number): TaskLogPage {
    const lines = this.task(node, upid).log;
    const all = lines.length > 0 ? lines : ['no content'];
    return new TaskLogPage(
      all.slice(start, start + limit).map((t, index) => ({ n: start + index + 1, t })),
      all.length,
    );
  }

  // ---- QEMU guest agent ----

  /**
   * pve-container's `GET …/lxc/{vmid}/interfaces`: `ip --json a` in the running container's
   * network namespace (loopback and its `netN` devices, MACs in lower case as `ip` prints them,
   * no address on a device whose link is down); no data when it has no init process.
   */
  containerInterfaces(node: string, vmid: number) {
    const guest = this.guest(node, 'lxc', vmid);
    if (guest.status !== 'running') return null;
    const devices = Object.entries(netsOf(guest))
      .filter(([key]) => NET_KEY.test(key))
      .map(([, value]) => {
        const options = Object.fromEntries(
          value.split(',').map((pair) => pair.split('=') as [string, string]),
        );
        const mac = (options.hwaddr ?? '').toLowerCase();
        const up = options.link_down !== '1';
        const address = `10.0.${Math.floor(vmid / 256) % 256}.${vmid % 256}`;
        return {
          name: options.name ?? 'eth0',
          hwaddr: mac,
          'hardware-address': mac,
          ...(up ? { inet: `${address}/24` } : {}),
          'ip-addresses': up ? [{ 'ip-address-type': 'inet', 'ip-address': address, prefix: 24 }] : [],
        };
      });
    const loopback = {
      name: 'lo',
      hwaddr: '00:00:00:00:00:00',
      'hardware-address': '00:00:00:00:00:00',
      inet: '127.0.0.1/8',
      inet6: '::1/128',
      'ip-addresses': [
        { 'ip-address-type': 'inet', 'ip-address': '127.0.0.1', prefix: 8 },
        { 'ip-address-type': 'inet6', 'ip-address': '::1', prefix: 128 },
      ],
    };
    return [loopback, ...devices];
  }

  agentPing(node: string, vmid: number) {
    return this.#agents.ping(this.guest(node, 'qemu', vmid));
  }

  agentExec(node: string, vmid: number, command: readonly string[], inputData: string | undefined) {
    return this.#agents.exec(this.guest(node, 'qemu', vmid), command, inputData);
  }

  agentExecStatus(node: string, vmid: number, pid: number) {
    return this.#agents.execStatus(this.guest(node, 'qemu', vmid), pid);
  }

  /**
   * Sets a VM's guest agent for tests: `running` (configured and answering), `unresponsive`
   * (configured, not answering: not installed or hung), `missing` (not configured).
   */
  setGuestAgent(vmid: number, agent: 'running' | 'unresponsive' | 'missing'): void {
    const guest = this.state.guests.find((g) => g.vmid === vmid);
    if (!guest) throw new Error(`no guest ${vmid}`);
    if (agent === 'missing') delete guest.agent;
    else guest.agent = guest.agent ?? '1';
    if (agent === 'unresponsive') guest.agentUnresponsive = true;
    else delete guest.agentUnresponsive;
    this.#changed();
  }

  // ---- faults ----

  /** Makes the next `count` matching tasks fail with `message` when they end. */
  failTasks(fault: { message: string; type?: string; vmid?: number; count?: number }): void {
    this.#taskFaults.push({
      message: fault.message,
      ...(fault.type ? { type: fault.type } : {}),
      ...(fault.vmid ? { vmid: fault.vmid } : {}),
      remaining: fault.count ?? 1,
    });
  }

  /** Holds a lock on a guest, as a hung backup would, until {@link releaseLock}. */
  holdLock(vmid: number, lock: string): void {
    const guest = this.state.guests.find((g) => g.vmid === vmid);
    if (!guest) throw new Error(`no guest ${vmid}`);
    guest.lock = lock;
    this.#changed();
  }

  /**
   * Sets a storage's state (fault injection): `active: false` takes it offline, `total`/`used`
   * (bytes) change its capacity and fill; a shared storage changes on every node at once.
   */
  setStorage(change: { storage: string; active?: boolean; total?: number; used?: number }): void {
    const found = this.state.storages.filter((s) => s.storage === change.storage);
    if (found.length === 0) throw new Error(`no storage ${change.storage}`);
    for (const storage of found) {
      if (change.active !== undefined) storage.active = change.active;
      if (change.total !== undefined) storage.total = change.total;
      if (change.used !== undefined) storage.used = change.used;
    }
    this.#changed();
  }

  releaseLock(vmid: number): void {
    const guest = this.state.guests.find((g) => g.vmid === vmid);
    if (guest) delete guest.lock;
    this.#changed();
  }

  setNodeOnline(node: string, online: boolean): void {
    const found = this.#node(node);
    if (!found) throw new Error(`no node ${node}`);
    found.online = online;
    this.#changed();
  }

  clearFaults(): void {
    this.#taskFaults.length = 0;
  }

  #startTask(user: string, node: string, type: string, id: string, kind: string, steps: TaskSteps): string {
    const now = this.#now();
    const starttime = Math.floor(now / 1000);
    const pid = this.state.nextPid++;
    const upid = formatUpid({ node, pid, pstart: 100_000 + pid, starttime, type, id, user });
    const unscaled = this.#taskDuration?.(kind, id) ?? this.#durations[kind] ?? 1000;
    const duration = Math.max(1, Math.round(unscaled * this.#timeFactor));
    const task: SimTask = {
      upid,
      node,
      type,
      id,
      user,
      pid,
      pstart: 100_000 + pid,
      starttime,
      status: 'running',
      log: [],
      endsAt: now + duration,
    };
    this.state.tasks.push(task);
    this.#steps.set(upid, steps);
    try {
      steps.begin(task.log);
      if (kind !== 'vzdump') task.log.push(`${type} started for ${id}`);
    } catch (error) {
      // Errors at the start of the worker still end the task, shortly after it began.
      this.#finish(
        task,
        (error as Error).message,
        Math.min(duration, Math.max(1, Math.round(50 * this.#timeFactor))),
      );
      return upid;
    }
    this.#finish(task, undefined, duration);
    this.#changed();
    return upid;
  }

  #finish(task: SimTask, failure: string | undefined, after: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#complete(task, failure);
    }, after);
    timer.unref();
    this.#timers.add(timer);
  }

  #complete(task: SimTask, startFailure: string | undefined): void {
    const steps = this.#steps.get(task.upid);
    this.#steps.delete(task.upid);
    let failure = startFailure;
    if (failure === undefined) {
      const fault = this.#taskFaults.find(
        (f) =>
          f.remaining > 0 &&
          (f.type === undefined || task.type.endsWith(f.type)) &&
          (f.vmid === undefined || String(f.vmid) === task.id),
      );
      if (fault) {
        fault.remaining--;
        failure = fault.message;
        steps?.abort?.();
      } else {
        try {
          steps?.end(task.log);
        } catch (error) {
          failure = (error as Error).message;
          steps?.abort?.();
        }
      }
    }
    task.status = 'stopped';
    task.endtime = Math.floor(this.#now() / 1000);
    if (failure !== undefined && steps?.fail) failure = steps.fail(failure, task.log);
    task.exitstatus = failure === undefined ? 'OK' : failure.replace(/\n$/, '').replaceAll('\n', ' ');
    task.log.push(failure === undefined ? 'TASK OK' : `TASK ERROR: ${task.exitstatus}`);
    this.#changed();
  }

  /** After a restart, tasks that were running end as Proxmox shows them after a crash; their locks stay. */
  #recoverInterruptedTasks(): void {
    for (const task of this.state.tasks) {
      if (task.status !== 'running') continue;
      task.status = 'stopped';
      task.exitstatus = 'unexpected status';
      task.log.push('TASK ERROR: unexpected status');
    }
    // Keep the task list bounded, as Proxmox rotates its task index.
    if (this.state.tasks.length > 10_000) this.state.tasks.splice(0, this.state.tasks.length - 10_000);
  }

  #changed(): void {
    this.#onChange?.(this.state);
  }
}
