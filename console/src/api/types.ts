/** The API's resources as the console reads them (a subset of /openapi.json's schemas). */

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

export interface Cluster {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly tokenId: string;
  readonly fingerprint?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface SyncResult {
  readonly total: number;
  readonly added: number;
  readonly updated: number;
  readonly gone: number;
  readonly unchanged: number;
  readonly syncedAt: string;
}

export interface Guest {
  readonly id: string;
  readonly clusterId: string;
  readonly vmid: number;
  readonly type: 'qemu' | 'lxc';
  readonly node: string;
  readonly name: string;
  readonly status: string;
  readonly template: boolean;
  readonly tags: string[];
  readonly pool?: string;
  readonly lock?: string;
  readonly gone: boolean;
}

export interface GuestSnapshot {
  readonly name: string;
  readonly status?: 'created' | 'failed' | 'missing' | 'deleted';
  readonly origin?: 'policy' | 'manual' | 'external';
  readonly onProxmox?: boolean;
  readonly description?: string;
  readonly protected?: boolean;
  readonly vmstate?: boolean;
  readonly createdAt?: string;
  readonly time?: string;
  readonly parent?: string;
  readonly policyId?: string;
  readonly error?: string;
  readonly pruneError?: string;
}

export interface GuestSnapshotPage extends Page<GuestSnapshot> {
  readonly proxmoxError?: string;
}

export interface Operation {
  readonly id: string;
  readonly kind: 'snapshot' | 'delete-snapshot' | 'restore-in-place' | 'restore-new-guest';
  readonly guestId: string;
  readonly snapshotName: string;
  readonly status: 'pending' | 'running' | 'succeeded' | 'failed';
  readonly steps?: string[];
  readonly planned?: { newGuestId?: string; safetySnapshot?: string };
  readonly result?: { newGuestId?: string; safetySnapshot?: string };
  readonly error?: string;
  readonly errorType?: string;
  readonly requestedBy: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
}

export interface Retention {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  keepWithinDays?: number;
  maxAgeDays?: number;
}

export interface PolicySpec {
  name: string;
  description?: string;
  enabled?: boolean;
  schedule: { cron: string; timezone?: string; missedRuns?: 'skip' | 'run-once' };
  snapshot?: { includeMemory?: boolean; quiesce?: boolean; namePrefix?: string };
  retention?: Retention;
  selector: {
    guests?: string[];
    tags?: string[];
    pools?: string[];
    nodes?: string[];
    all?: boolean;
    exclude?: { guests?: string[]; tags?: string[] };
  };
  notify?: { onSuccess?: boolean; onFailure?: boolean };
  concurrency?: { perNode?: number };
}

export interface Policy extends PolicySpec {
  readonly id: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NextRuns {
  readonly timezone: string;
  readonly enabled: boolean;
  readonly runs: { at: string; local: string }[];
}

export interface PolicyTargets {
  readonly targets: Array<Guest & { note?: string }>;
  readonly notIncluded: { guest: Guest; reason: string; detail?: string }[];
}

export interface RetentionPreview {
  readonly guests: {
    guestId: string;
    snapshots: { name: string; time: string; keep: boolean; reason: string }[];
  }[];
}

type RunStatus = 'running' | 'succeeded' | 'partially_failed' | 'failed' | 'skipped' | 'cancelled';

export interface Run {
  readonly id: string;
  readonly policyId: string;
  readonly policyName: string;
  readonly scheduledTime: string;
  readonly trigger: 'schedule' | 'manual';
  readonly status: RunStatus;
  readonly targets: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly notStarted?: number;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly reason?: string;
}

interface RunGuestResult {
  readonly guestId: string;
  readonly vmid: number;
  readonly node: string;
  readonly snapshotName: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly error?: string;
  readonly errorType?: string;
  readonly finishedAt: string;
  readonly late?: boolean;
}

export interface RunWithResults extends Run {
  readonly results: RunGuestResult[];
}

export interface AuditEvent {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly outcome: 'success' | 'denied' | 'failure';
  readonly reason?: string;
}

export interface Subscription {
  readonly id: string;
  readonly kind: 'email' | 'webhook';
  readonly target: string;
  readonly description?: string;
  readonly status: 'pending' | 'active';
  readonly createdAt: string;
  readonly version: number;
}

export interface Delivery {
  readonly eventId: string;
  readonly eventType: string;
  readonly createdAt: string;
  readonly status: 'delivering' | 'delivered' | 'failed';
  readonly attempts: {
    at: string;
    ok: boolean;
    status?: number;
    reply?: string;
    error?: string;
    latencyMs: number;
  }[];
  readonly nextRetryAt?: string;
}
