/** The simulated cluster's state: plain data, so it can be saved to and loaded from JSON. */

export type GuestType = 'qemu' | 'lxc';

export interface SimSnapshot {
  name: string;
  snaptime: number;
  description: string;
  vmstate: boolean;
  /** Bytes of the RAM state volume (`vm-<vmid>-state-<name>`) on the guest's storage, while it exists. */
  vmstateSize?: number;
  parent?: string;
  snapstate?: 'prepare' | 'delete';
  /** The guest config at snapshot time, restored by rollback. */
  config: Record<string, string | number>;
  running: boolean;
}

export interface SimGuest {
  vmid: number;
  type: GuestType;
  node: string;
  name: string;
  status: 'running' | 'stopped';
  template: boolean;
  tags: string[];
  pool?: string;
  lock?: string;
  maxdisk: number;
  maxmem: number;
  cores: number;
  /** Storage holding the guest's disks. */
  storage: string;
  parent?: string;
  snapshots: SimSnapshot[];
  digest: string;
  /** Network devices (`net0`, ...) as Proxmox writes them; absent: one default device on vmbr0. */
  nets?: Record<string, string>;
  /** Fault: the guest does not boot (a QEMU VM runs without an OS answering, a container fails to start). Clones inherit it. */
  noBoot?: boolean;
  /** The config's `agent` property string (`1`, `enabled=1,fstrim_cloned_disks=1`); none: no agent. */
  agent?: string;
  /** The agent is configured but does not answer (not installed, or hung). */
  agentUnresponsive?: boolean;
}

export interface SimStorage {
  storage: string;
  type: 'dir' | 'lvmthin' | 'zfspool' | 'nfs';
  content: string[];
  shared: boolean;
  total: number;
  used: number;
  /** Present on one node only unless shared. */
  nodes: string[];
  /** False while the storage is offline (an NFS server gone): Proxmox lists it with `active: 0`. */
  active?: boolean;
}

export interface SimVolume {
  volid: string;
  node: string;
  storage: string;
  vmid: number;
  subtype: GuestType;
  format: string;
  size: number;
  ctime: number;
  notes?: string;
  protected?: boolean;
  /** The guest's configuration the archive holds (a restore brings it back, name and tags included). */
  config?: Pick<SimGuest, 'name' | 'tags' | 'maxdisk' | 'maxmem' | 'cores' | 'storage'>;
}

export interface SimTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  pid: number;
  pstart: number;
  starttime: number;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
  /** Epoch ms at which the task finishes. */
  endsAt: number;
}

interface SimNode {
  node: string;
  online: boolean;
  maxcpu: number;
  maxmem: number;
}

export interface SimState {
  version: string;
  clusterName: string;
  nodes: SimNode[];
  guests: SimGuest[];
  storages: SimStorage[];
  volumes: SimVolume[];
  pools: string[];
  tasks: SimTask[];
  nextPid: number;
}

const GIB = 1024 ** 3;

function guest(partial: Partial<SimGuest> & Pick<SimGuest, 'vmid' | 'type' | 'node' | 'name'>): SimGuest {
  return {
    status: 'running',
    template: false,
    tags: [],
    maxdisk: 32 * GIB,
    maxmem: 4 * GIB,
    cores: 2,
    storage: 'local-lvm',
    snapshots: [],
    digest: '0'.repeat(40),
    ...partial,
  };
}

/**
 * The demo cluster `lab`: three nodes, QEMU VMs and LXC containers with tags and pools, a
 * template, local and shared storage.
 */
export function demoClusterState(): SimState {
  const nodes = ['pve1', 'pve2', 'pve3'];
  return {
    version: '8.4.1',
    clusterName: 'lab',
    nodes: nodes.map((node) => ({ node, online: true, maxcpu: 16, maxmem: 128 * GIB })),
    pools: ['production', 'staging'],
    guests: [
      guest({
        vmid: 100,
        type: 'qemu',
        agent: '1',
        node: 'pve1',
        name: 'web-01',
        tags: ['prod', 'web'],
        pool: 'production',
      }),
      guest({
        vmid: 101,
        type: 'qemu',
        agent: '1',
        node: 'pve1',
        name: 'web-02',
        tags: ['prod', 'web'],
        pool: 'production',
      }),
      guest({
        vmid: 102,
        type: 'qemu',
        agent: '1',
        node: 'pve2',
        name: 'db-01',
        tags: ['db', 'prod'],
        pool: 'production',
        maxmem: 16 * GIB,
      }),
      guest({
        vmid: 103,
        type: 'qemu',
        node: 'pve2',
        name: 'build-runner',
        tags: ['ci'],
        status: 'stopped',
        agent: '1',
      }),
      guest({
        vmid: 104,
        type: 'qemu',
        agent: '1',
        node: 'pve3',
        name: 'staging-app',
        tags: ['staging'],
        pool: 'staging',
      }),
      guest({
        vmid: 200,
        type: 'lxc',
        node: 'pve1',
        name: 'dns-01',
        tags: ['infra', 'prod'],
        pool: 'production',
        maxmem: 512 * 1024 ** 2,
      }),
      guest({
        vmid: 201,
        type: 'lxc',
        node: 'pve2',
        name: 'proxy-01',
        tags: ['infra', 'prod'],
        pool: 'production',
      }),
      guest({ vmid: 202, type: 'lxc', node: 'pve3', name: 'monitoring', tags: ['infra'] }),
      guest({ vmid: 203, type: 'lxc', node: 'pve3', name: 'scratch', status: 'stopped' }),
      guest({
        vmid: 9000,
        type: 'qemu',
        node: 'pve1',
        name: 'debian-12-template',
        template: true,
        status: 'stopped',
        tags: ['template'],
      }),
    ],
    storages: [
      ...nodes.map((node) => ({
        storage: 'local',
        type: 'dir' as const,
        content: ['backup', 'iso', 'vztmpl'],
        shared: false,
        total: 200 * GIB,
        used: 20 * GIB,
        nodes: [node],
      })),
      ...nodes.map((node) => ({
        storage: 'local-lvm',
        type: 'lvmthin' as const,
        content: ['images', 'rootdir'],
        shared: false,
        total: 1024 * GIB,
        used: 300 * GIB,
        nodes: [node],
      })),
      {
        storage: 'backup-nfs',
        type: 'nfs',
        content: ['backup'],
        shared: true,
        total: 4096 * GIB,
        used: 512 * GIB,
        nodes,
      },
      // A small shared backup storage, to watch the storage guard trip.
      {
        storage: 'backup-small',
        type: 'nfs',
        content: ['backup'],
        shared: true,
        total: 64 * GIB,
        used: 44 * GIB,
        nodes,
      },
    ],
    volumes: [],
    tasks: [],
    nextPid: 40_000,
  };
}

/** A large cluster for capacity benchmarks: `nodeCount` nodes, `guestCount` guests spread evenly. */
export function largeClusterState(nodeCount: number, guestCount: number): SimState {
  const state = demoClusterState();
  state.nodes = Array.from({ length: nodeCount }, (_, index) => ({
    node: `node${index + 1}`,
    online: true,
    maxcpu: 64,
    maxmem: 512 * GIB,
  }));
  state.guests = Array.from({ length: guestCount }, (_, index) =>
    guest({
      vmid: 1000 + index,
      type: index % 4 === 3 ? 'lxc' : 'qemu',
      node: `node${(index % nodeCount) + 1}`,
      name: `guest-${1000 + index}`,
      tags: index % 2 === 0 ? ['even'] : ['odd'],
    }),
  );
  state.storages = state.nodes.map((node) => ({
    storage: 'local-lvm',
    type: 'lvmthin' as const,
    content: ['images', 'rootdir'],
    shared: false,
    total: 100_000 * GIB,
    used: 0,
    nodes: [node.node],
  }));
  return state;
}
