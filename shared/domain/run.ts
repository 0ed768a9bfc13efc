import { createHash } from 'node:crypto';

export type RunStatus = 'pending' | 'running' | 'completed' | 'partial' | 'failed' | 'skipped';
type RunTrigger = 'schedule' | 'manual';

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
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Why a run was skipped or failed as a whole. */
  readonly reason?: string;
}

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
  readonly upid?: string;
  readonly finishedAt: string;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The run id of a policy's tick: the same inputs always give the same id. */
export function runIdFor(policyId: string, scheduledTime: string): string {
  const digest = createHash('sha256').update(`${policyId}\n${scheduledTime}`).digest();
  let id = '';
  for (let index = 0; index < 26; index++) id += CROCKFORD.charAt((digest[index] ?? 0) % 32);
  return `run_${id}`;
}

/**
 * The outcome of a finished run: every target succeeded (completed), some failed (partial),
 * all failed (failed), or there was nothing to do (skipped).
 */
export function finalRunStatus(counts: { targets: number; succeeded: number; failed: number }): RunStatus {
  if (counts.targets === 0) return 'skipped';
  // A target without a recorded result (its lane was lost) counts as failed, never as done.
  const failed = Math.max(counts.failed, counts.targets - counts.succeeded);
  if (failed === 0) return 'completed';
  if (counts.succeeded === 0) return 'failed';
  return 'partial';
}
