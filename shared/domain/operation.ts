export const OPERATION_KINDS = [
  'snapshot',
  'delete-snapshot',
  'restore-in-place',
  'restore-new-guest',
  'restore-backup-new-guest',
  'restore-backup-in-place',
] as const;
export const OPERATION_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** What the client asked for, kept with the operation. */
export interface OperationRequest {
  readonly description?: string;
  readonly includeMemory?: boolean;
  /** restore-in-place: take a safety snapshot first (default true). */
  readonly safetySnapshot?: boolean;
  /**
   * restore-backup-in-place: back the guest up first to the archive's storage (default true).
   * A backup, not a snapshot: restoring over a guest destroys its disks, snapshots included.
   */
  readonly safetyBackup?: boolean;
  /** restore: start the guest afterwards (in place: default = it was running). */
  readonly start?: boolean;
  /** restore-new-guest options. */
  readonly newGuest?: {
    readonly vmid?: number;
    readonly name?: string;
    readonly node?: string;
    readonly storage?: string;
    readonly pool?: string;
    /**
     * Keep the source's tags on the clone. Proxmox's clone copies them, so by default the
     * service removes them: a tag-selected policy would otherwise start snapshotting the copy.
     */
    readonly copyTags?: boolean;
  };
}

/** A long-running action on one guest (202 + this resource), run by the guest-operation workflow. */
export interface Operation {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: OperationKind;
  readonly guestId: string;
  /** The snapshot it concerns; for a restore from a backup, the archive's file name. */
  readonly snapshotName: string;
  /** A restore from a backup: the backup's catalog id. */
  readonly backupId?: string;
  readonly status: OperationStatus;
  readonly request: OperationRequest;
  /** The Proxmox steps planned, in order (e.g. safety snapshot, stop, rollback, start). */
  readonly steps?: readonly string[];
  /** What the plan will make (the clone's id, the safety snapshot's name), known before it runs. */
  readonly planned?: {
    readonly newGuestId?: string;
    readonly safetySnapshot?: string;
    /** The storage the safety backup goes to. */
    readonly safetyBackupStorage?: string;
  };
  /**
   * What exists once it ended: the safety snapshot (recorded, also when a later step failed)
   * and the new guest (in the inventory); absent when it was never made.
   */
  readonly result?: {
    readonly newGuestId?: string;
    readonly safetySnapshot?: string;
    /** The safety backup's catalog id. */
    readonly safetyBackupId?: string;
  };
  readonly error?: string;
  readonly errorType?: string;
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

/**
 * The suffix that makes the names an operation gives (manual, safety) unique per request: the
 * last four characters of its id (random, and distinct for ids made in the same millisecond),
 * so a retried step derives the same name again.
 */
export function operationNameSuffix(operationId: string): string {
  return operationId.slice(-4).toLowerCase();
}
