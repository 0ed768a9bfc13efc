export type OperationKind = 'snapshot' | 'delete-snapshot' | 'restore-in-place' | 'restore-new-guest';
export type OperationStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** What the client asked for, kept with the operation. */
export interface OperationRequest {
  readonly description?: string;
  readonly includeMemory?: boolean;
  /** restore-in-place: take a safety snapshot first (default true). */
  readonly safetySnapshot?: boolean;
  /** restore: start the guest afterwards (in place: default = it was running). */
  readonly start?: boolean;
  /** restore-new-guest options. */
  readonly newGuest?: {
    readonly vmid?: number;
    readonly name?: string;
    readonly node?: string;
    readonly storage?: string;
    readonly pool?: string;
  };
}

/** A long-running action on one guest (202 + this resource), run by the guest-operation workflow. */
export interface Operation {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: OperationKind;
  readonly guestId: string;
  readonly snapshotName: string;
  readonly status: OperationStatus;
  readonly request: OperationRequest;
  /** The Proxmox steps planned, in order (e.g. safety snapshot, stop, rollback, start). */
  readonly steps?: readonly string[];
  readonly result?: { readonly newGuestId?: string; readonly safetySnapshot?: string };
  readonly error?: string;
  readonly errorType?: string;
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A name for a snapshot taken now by hand or for safety: `<prefix>-yyyymmdd-hhmmss` (UTC). */
export function timestampedSnapshotName(prefix: string, atMs: number): string {
  const at = new Date(atMs);
  return `${prefix}-${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}-${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
}
