/** Shapes of what the connector returns, normalised from Proxmox's JSON. */

export type GuestKind = 'qemu' | 'lxc';

export interface ProxmoxVersion {
  readonly version: string;
  readonly release: string;
  readonly repoid: string;
}

export interface ProxmoxNode {
  readonly node: string;
  readonly status: string;
}

export interface ProxmoxVm {
  readonly vmid: number;
  readonly node: string;
  readonly type: GuestKind;
  readonly name: string | undefined;
  readonly status: string;
  readonly template: boolean;
  readonly tags: string[];
  readonly pool: string | undefined;
  readonly lock: string | undefined;
}

export interface SnapshotEntry {
  readonly name: string;
  readonly snaptime: number;
  readonly description: string;
  readonly vmstate: boolean;
  readonly parent: string | undefined;
  readonly snapstate: string | undefined;
}

export interface TaskStatus {
  readonly upid: string;
  readonly node: string;
  readonly type: string;
  readonly id: string;
  readonly user: string;
  readonly status: 'running' | 'stopped';
  readonly exitstatus?: string;
  readonly starttime: number;
}

export interface ProxmoxStorage {
  readonly storage: string;
  readonly type: string;
  readonly content: string;
  readonly shared: number;
  /** 0 when the storage is disabled in storage.cfg. */
  readonly enabled?: number;
  /** 0 when the storage cannot be reached (an NFS server gone); its figures are then 0. */
  readonly active?: number;
  readonly total?: number;
  readonly used?: number;
  readonly avail?: number;
  /** used / total, only while total is known. */
  readonly used_fraction?: number;
  /** The node it was listed on, when listed for the whole cluster. */
  readonly node?: string;
}

export interface BackupVolume {
  readonly volid: string;
  readonly format: string;
  readonly size: number;
  readonly ctime: number;
  readonly subtype: string;
  readonly vmid: number;
  readonly notes?: string;
  readonly protected?: number;
}

/** ACL path to the privileges the token has there (1 = granted). */
export type ProxmoxPermissions = Record<string, Record<string, number>>;
