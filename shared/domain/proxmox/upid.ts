/**
 * Proxmox task ids (pve-common `PVE/UPID.pm`):
 * `UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>:`.
 */
export interface Upid {
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  readonly starttime: number;
  readonly type: string;
  readonly id: string;
  readonly user: string;
}

const UPID_PATTERN =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

const hex = (value: number, width: number) => value.toString(16).toUpperCase().padStart(width, '0');

export function formatUpid(upid: Upid): string {
  return `UPID:${upid.node}:${hex(upid.pid, 8)}:${hex(upid.pstart, 8)}:${hex(upid.starttime, 8)}:${upid.type}:${upid.id}:${upid.user}:`;
}

export function parseUpid(text: string): Upid | undefined {
  const match = UPID_PATTERN.exec(text);
  if (!match) return undefined;
  return {
    node: match[1] as string,
    pid: Number.parseInt(match[3] as string, 16),
    pstart: Number.parseInt(match[4] as string, 16),
    starttime: Number.parseInt(match[5] as string, 16),
    type: match[6] as string,
    id: match[7] as string,
    user: match[8] as string,
  };
}

/** A task status text counts as success when it is `OK` or `WARNINGS: n` (pve-common `status_is_error`). */
export function taskSucceeded(exitstatus: string): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus);
}
