import { createHash } from 'node:crypto';
import { AppError } from './errors.ts';
import { PROXMOX_SNAPSHOT_NAME_MAX, scheduledSnapshotName } from './snapshot-name.ts';

/**
 * A run's status, in the words of its events (`run.succeeded`, `run.partially_failed`, ...).
 * A run is `running` from the moment it is accepted ("run now" answers with it) until it ends.
 */
export const RUN_STATUSES = [
  'running',
  'succeeded',
  'partially_failed',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type RunTrigger = 'schedule' | 'manual';

/** Words older records may hold, and what they mean now. */
const OLD_WORDS: Readonly<Record<string, RunStatus>> = {
  pending: 'running',
  completed: 'succeeded',
  partial: 'partially_failed',
};

/** A stored status, in today's words (records written before the vocabulary changed hold old ones). */
export function runStatusOf(stored: unknown): RunStatus {
  const word = String(stored);
  return OLD_WORDS[word] ?? (RUN_STATUSES.includes(word as RunStatus) ? (word as RunStatus) : 'failed');
}

/** Every word that means `running` in the table (old records may say `pending`). */
export const UNFINISHED_STORED_STATUSES = ['running', 'pending'] as const;

/** One execution of a policy for one scheduled time: the idempotency key of a schedule tick. */
export interface Run {
  readonly id: string;
  readonly tenantId: string;
  readonly policyId: string;
  readonly policyName: string;
  /** The tick this run serves (ISO); a second start for the same tick is a no-op. */
  readonly scheduledTime: string;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  readonly targets: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Guests a cancel kept from starting (set when a cancelled run ends). */
  readonly notStarted?: number;
  /** Results that arrived after the run had ended: listed, never counted. */
  readonly late?: number;
  /** Guests the run chose not to start (counted in `failed` too): see run-skip.ts. */
  readonly skipped?: number;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** When an operator asked to cancel, and who. */
  readonly cancelRequestedAt?: string;
  readonly cancelledBy?: string;
  /** Why a run was skipped, failed or cancelled as a whole. */
  readonly reason?: string;
}

/** A run's state without its counts (what the run's own item says while its results are counted elsewhere). */
export type RunState = Omit<Run, 'succeeded' | 'failed' | 'skipped'>;

export interface RunGuestResult {
  readonly runId: string;
  readonly guestId: string;
  readonly vmid: number;
  readonly node: string;
  readonly snapshotName: string;
  readonly outcome: 'succeeded' | 'failed';
  /** Proxmox's own text when the snapshot failed. */
  readonly error?: string;
  readonly errorType?: string;
  /** The lock's kind (`backup`, `snapshot`, ...) when a lock outlived its retries. */
  readonly lock?: string;
  readonly upid?: string;
  /** A backup policy's archive, as the storage lists it. */
  readonly volid?: string;
  readonly size?: number;
  readonly finishedAt: string;
  /** Recorded after the run had ended (its lane was given up): shown, not counted. */
  readonly late?: boolean;
  /** The run chose not to start the guest (counted as failed); {@link reason} says why, e.g. `storage-guard`. */
  readonly skipped?: true;
  readonly reason?: string;
  /** A hook failed with `onFailure: continue` (README "Hooks"): which one, and why. */
  readonly warning?: string;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The run id of a policy's tick: the same inputs always give the same id. */
export function runIdFor(policyId: string, scheduledTime: string): string {
  const digest = createHash('sha256').update(`${policyId}\n${scheduledTime}`).digest();
  let id = '';
  for (let index = 0; index < 26; index++) id += CROCKFORD.charAt((digest[index] ?? 0) % 32);
  return `run_${id}`;
}

/** The counts a run's status is decided from. */
export interface RunCounts {
  readonly targets: number;
  readonly succeeded: number;
  readonly failed: number;
}

/**
 * The outcome of a finished run: every target succeeded, some failed (partially_failed), all
 * failed, there was nothing to do (skipped), or an operator cancelled it (whatever the counts:
 * the guests it kept from starting have no snapshot of this run).
 */
export function finalRunStatus(counts: RunCounts, cancelled = false): RunStatus {
  if (cancelled) return 'cancelled';
  if (counts.targets === 0) return 'skipped';
  // A target without a recorded result (its lane was lost) counts as failed, never as done.
  const failed = Math.max(counts.failed, counts.targets - counts.succeeded);
  if (failed === 0) return 'succeeded';
  if (counts.succeeded === 0) return 'failed';
  return 'partially_failed';
}

/**
 * Whether a policy's snapshot of a guest asks Proxmox for RAM state: only of a QEMU VM (Proxmox
 * stores none for containers, and refuses `vmstate` for them).
 */
export const snapshotsMemory = (includeMemory: boolean | undefined, guestType: 'qemu' | 'lxc'): boolean =>
  Boolean(includeMemory) && guestType === 'qemu';

/** What the targets preview says of a container under a policy with `includeMemory`. */
export const CONTAINER_MEMORY_NOTE =
  'includeMemory does not apply to containers (Proxmox keeps no RAM state for them): snapshotted without RAM';

/** Characters of a manual run's name after the prefix: `-yyyymmdd-hhmmss-xxxx`. */
const MANUAL_SUFFIX_LENGTH = '-20260101-000000-abcd'.length;
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * The name of the snapshots a run takes. A scheduled tick's name is deterministic
 * (`<prefix>-yyyymmdd-hhmm`), so a re-delivered tick finds the snapshot it already took. A manual
 * run ("run now") is its own request: `<prefix>-yyyymmdd-hhmmss-xxxx`, the seconds and four
 * characters derived from the run id, so two runs in the same minute (or second) take two
 * snapshots, while a retried step of one run still finds its own. A prefix too long for that
 * within Proxmox's 40 characters is shortened.
 */
export function runSnapshotName(
  prefix: string,
  scheduledTime: string,
  trigger: RunTrigger,
  runId: string,
): string {
  const at = Date.parse(scheduledTime);
  if (trigger === 'schedule') return scheduledSnapshotName(prefix, at);
  const iso = new Date(at).toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  const digest = createHash('sha256').update(runId).digest();
  let suffix = '';
  for (let index = 0; index < 4; index++) suffix += BASE36.charAt((digest[index] ?? 0) % 36);
  return `${prefix.slice(0, PROXMOX_SNAPSHOT_NAME_MAX - MANUAL_SUFFIX_LENGTH)}-${stamp}-${suffix}`;
}

/** A manual run's snapshot name: the (possibly shortened) prefix and the time it names. */
export const MANUAL_RUN_NAME = /^(.+)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-[0-9a-z]{4}$/;
/** The longest prefix a manual run's name keeps in full. */
export const MANUAL_RUN_PREFIX_MAX = PROXMOX_SNAPSHOT_NAME_MAX - MANUAL_SUFFIX_LENGTH;

/**
 * A command sent for a run that no longer goes on (cancelled, or ended): nothing was sent to
 * Proxmox. The run's lane matches it by name and starts no further guest.
 */
export class RunStoppedError extends AppError {
  readonly status = 409;
  readonly type = 'conflict';
  readonly title = 'The run was cancelled or has ended';

  constructor(runId: string, state: string) {
    super(`run '${runId}' is ${state}: no guest is started for it any more`);
  }
}
