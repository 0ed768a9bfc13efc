import { type FieldIssue, ValidationError } from './errors.ts';
import type { PolicyHooks } from './hooks/hook-spec.ts';
import { hookIssues } from './hooks/resolve-hook.ts';
import { parseCron } from './schedule/cron.ts';
import { cronToScheduler } from './schedule/cron-to-scheduler.ts';
import type { StorageGuardSettings } from './storage/storage-guard.ts';
import { canonicalTimeZone } from './time-zone.ts';

interface PolicySchedule {
  /** 5-field crontab(5) expression, evaluated in `timezone`. */
  readonly cron: string;
  /** IANA time zone name, spelled as the IANA database spells it (see canonicalTimeZone). */
  readonly timezone: string;
  /** What the scheduler does about ticks missed while it was down. */
  readonly missedRuns: 'skip' | 'run-once';
  /** Minutes after each tick within which a run may start (a flexible window); absent: on the tick. */
  readonly startWindowMinutes?: number;
}

interface SnapshotOptions {
  /** Save the VM's RAM state with the snapshot (QEMU only; containers ignore it). */
  readonly includeMemory: boolean;
  /** Freeze guest file systems through the QEMU guest agent while the snapshot is taken. */
  readonly quiesce: boolean;
  /** Start of every snapshot name this policy creates. */
  readonly namePrefix: string;
}

/** What a policy takes: snapshots (absent on every policy written before backups) or vzdump backups. */
export const POLICY_KINDS = ['snapshot', 'backup'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export const BACKUP_MODES = ['snapshot', 'suspend', 'stop'] as const;
/** As the API names them; `none` is vzdump's `compress=0`. */
export const BACKUP_COMPRESS = ['zstd', 'lzo', 'gzip', 'none'] as const;

/** vzdump's options for a backup policy's archives (one guest per task). */
interface BackupOptions {
  /** A storage with content `backup` on every node of the selected guests. */
  readonly storage: string;
  readonly mode: (typeof BACKUP_MODES)[number];
  readonly compress: (typeof BACKUP_COMPRESS)[number];
  /** vzdump's `notes-template` ({{guestname}}, {{vmid}}, {{node}}, {{cluster}}). */
  readonly notesTemplate?: string;
  /** Mark each new archive protected (Proxmox refuses to delete it; retention never touches it). */
  readonly protected: boolean;
  readonly bwlimitKiBps?: number;
  /**
   * Makes this policy the off-site copy of another backup policy (its id): a second vzdump of
   * the guests to this policy's storage, on its own schedule and retention, reported as kind
   * `offsite` by coverage and the RPO monitor.
   */
  readonly copyOf?: string;
  /**
   * When the storage would not fit the guest's next archive (its guard threshold, else 100 %):
   * the guest's own archives that retention would delete once the new one exists are deleted
   * first (see "Storage").
   */
  readonly pruneBeforeBackup?: boolean;
}

export interface RetentionRule {
  readonly keepLast?: number;
  readonly keepHourly?: number;
  readonly keepDaily?: number;
  readonly keepWeekly?: number;
  readonly keepMonthly?: number;
  readonly keepYearly?: number;
  readonly keepWithinDays?: number;
  readonly maxAgeDays?: number;
}

interface Selector {
  readonly guests: readonly string[];
  readonly tags: readonly string[];
  readonly pools: readonly string[];
  readonly nodes: readonly string[];
  readonly all: boolean;
  readonly exclude: { readonly guests: readonly string[]; readonly tags: readonly string[] };
}

interface ConcurrencyLimits {
  /** Snapshots (or backups) in flight at once on one Proxmox node; see {@link perNodeLimit}. */
  readonly perNode?: number;
}

/** The per-node cap a run uses: as set, else 2 snapshots or 1 backup (vzdump loads the node). */
export function perNodeLimit(policy: Pick<PolicySpec, 'kind' | 'concurrency'>): number {
  return policy.concurrency?.perNode ?? (policy.kind === 'backup' ? 1 : 2);
}

export interface NotifyFlags {
  readonly onSuccess: boolean;
  readonly onFailure: boolean;
}

/** The part of a policy a client writes. */
export interface PolicySpec {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly schedule: PolicySchedule;
  /** Absent: `snapshot`. */
  readonly kind?: PolicyKind;
  /** Snapshot options; a backup policy keeps their defaults and they do not apply to it. */
  readonly snapshot: SnapshotOptions;
  /** Required for (and only for) a backup policy. */
  readonly backup?: BackupOptions;
  readonly retention: RetentionRule;
  readonly selector: Selector;
  readonly notify: NotifyFlags;
  readonly concurrency: ConcurrencyLimits;
  /**
   * The recovery-point objective in minutes: how old the newest recovery point of a guest may
   * get. Absent: the largest gap between two ticks of the schedule.
   */
  readonly rpo?: number;
  /** The storage guard's thresholds (absent: the tenant's default, if any). */
  readonly storageGuard?: StorageGuardSettings;
  /** Pre/post hooks around each guest's snapshot or backup (README "Hooks"). */
  readonly hooks?: PolicyHooks;
}

export interface Policy extends PolicySpec {
  readonly id: string;
  readonly tenantId: string;
  /** The schedule as EventBridge Scheduler's `cron(...)`, derived from `schedule.cron`. */
  readonly schedulerExpression: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Incremented on every change; the API's ETag. */
  readonly version: number;
}

/**
 * Checks the rules of a policy that go beyond field shapes (the schedule must parse, fire and
 * be expressible by EventBridge Scheduler, the zone must be an IANA name in its canonical
 * spelling, the selector must select something) and returns the Scheduler expression. Throws
 * one {@link ValidationError} listing every violated rule.
 */
/** Prefixes of the names the service gives snapshots taken by hand (`manual-…`, `safety-…`). */
const RESERVED_NAME_PREFIXES: readonly string[] = ['manual', 'safety'];

/**
 * What is wrong with a time zone a client wrote (policies and the tenant's default zone): it must
 * be an IANA name, spelled as IANA spells it, since EventBridge Scheduler takes it so.
 */
export function timeZoneIssues(zone: string, path: string): FieldIssue[] {
  const canonicalZone = canonicalTimeZone(zone);
  if (canonicalZone === undefined)
    return [
      {
        path,
        rule: 'timezone.iana',
        message: `'${zone}' is not an IANA time zone name (e.g. Europe/Berlin, UTC)`,
      },
    ];
  if (canonicalZone !== zone)
    return [
      {
        path,
        rule: 'timezone.canonical',
        message: `write the time zone as the IANA database spells it: '${canonicalZone}'`,
      },
    ];
  return [];
}

export function checkPolicySpec(spec: PolicySpec): { schedulerExpression: string } {
  const issues: FieldIssue[] = [];
  let schedulerExpression = '';
  try {
    schedulerExpression = cronToScheduler(parseCron(spec.schedule.cron, 'schedule.cron'), 'schedule.cron');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
  }
  issues.push(...timeZoneIssues(spec.schedule.timezone, 'schedule.timezone'));
  const { selector } = spec;
  const selectsSomething =
    selector.all ||
    selector.guests.length > 0 ||
    selector.tags.length > 0 ||
    selector.pools.length > 0 ||
    selector.nodes.length > 0;
  if (!selectsSomething) {
    issues.push({
      path: 'selector',
      rule: 'selector.empty',
      message: 'a selector must name guests, tags, pools or nodes, or set all: true',
    });
  }
  if (spec.kind === 'backup' && !spec.backup) {
    issues.push({
      path: 'backup',
      rule: 'backup.required',
      message: "a backup policy needs backup options (at least 'storage')",
    });
  }
  if (spec.kind !== 'backup' && spec.backup) {
    issues.push({
      path: 'backup',
      rule: 'backup.kind',
      message: "backup options belong to a policy of kind 'backup'",
    });
  }
  if (RESERVED_NAME_PREFIXES.includes(spec.snapshot.namePrefix)) {
    // A run-now of such a policy would be named like a snapshot taken by hand, which retention never prunes.
    issues.push({
      path: 'snapshot.namePrefix',
      rule: 'snapshot.name-prefix.reserved',
      message: `'${spec.snapshot.namePrefix}' is reserved for snapshots taken by hand: choose another prefix`,
    });
  }
  issues.push(...hookIssues(spec.hooks));
  if (issues.length > 0) throw new ValidationError(issues);
  return { schedulerExpression };
}
