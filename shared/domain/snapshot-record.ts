export const SNAPSHOT_RECORD_STATUSES = ['created', 'failed', 'missing', 'deleted'] as const;
type SnapshotRecordStatus = (typeof SNAPSHOT_RECORD_STATUSES)[number];
/** Why retention deleted a snapshot: by a rule (`pruned`) or past the policy's maximum age. */
export const SNAPSHOT_DELETE_REASONS = ['pruned', 'max-age'] as const;
export type SnapshotDeleteReason = (typeof SNAPSHOT_DELETE_REASONS)[number];

/** A snapshot the service took (or tried to take), as recorded for a guest's timeline. */
export interface SnapshotRecord {
  readonly tenantId: string;
  readonly guestId: string;
  readonly name: string;
  readonly policyId?: string;
  readonly runId?: string;
  /** The tick the snapshot belongs to (ISO). */
  readonly scheduledTime?: string;
  /** `deleted`: pruned by retention; the record stays (with who and why) until its TTL. */
  readonly status: SnapshotRecordStatus;
  /** Taken by hand (run now for one guest); retention never prunes it. */
  readonly manual?: boolean;
  readonly description?: string;
  /** Pinned: retention never prunes it. */
  readonly protected?: boolean;
  /** Found on Proxmox without a record (e.g. a crash between taking and recording) and recorded then. */
  readonly adopted?: boolean;
  /** When the snapshot was first found gone from Proxmox. */
  readonly missingSince?: string;
  readonly vmstate: boolean;
  /**
   * Bytes of the RAM state volume (`vm-<vmid>-state-<name>`) as its storage lists it, and where:
   * recorded by the inventory sync (Proxmox's snapshot list carries no size).
   */
  readonly vmstateSize?: number;
  readonly vmstateStorage?: string;
  readonly createdAt: string;
  readonly error?: string;
  /** Set when retention deleted it: when, by whom (the run or the sweep) and under which rule. */
  readonly deletedAt?: string;
  readonly deletedBy?: string;
  readonly deleteReason?: SnapshotDeleteReason;
  /** The last failed deletion by retention; it is tried again by the next run or sweep. */
  readonly pruneError?: string;
  readonly pruneFailedAt?: string;
  readonly pruneAttempts?: number;
}
