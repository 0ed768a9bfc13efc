import { AppError } from '#shared/domain/errors.ts';

/**
 * The storage guard's rule: before a run writes to a storage (a vzdump archive, a RAM snapshot's
 * state volume), the storage's fill after this write must stay at or below the threshold. Pure:
 * the caller brings Proxmox's figures and the run's own counter.
 */

/** A policy's guard settings (absent: the tenant's default threshold applies). */
export interface StorageGuardSettings {
  /** Percent of a storage's capacity a run may fill it to (1-100). */
  readonly thresholdPercent?: number;
  /** A different threshold for named target storages. */
  readonly storages?: Readonly<Record<string, number>>;
}

/**
 * The threshold for one storage: the policy's for that storage, the policy's, the tenant's, or
 * none; with `pruneBeforeBackup` and none of those, 100 % (pruning first makes room for the
 * archive to fit at all).
 */
export function guardThreshold(
  policy: StorageGuardSettings | undefined,
  tenantDefault: number | undefined,
  storage: string,
  pruneFirst = false,
): number | undefined {
  return (
    policy?.storages?.[storage] ?? policy?.thresholdPercent ?? tenantDefault ?? (pruneFirst ? 100 : undefined)
  );
}

/** What the guard weighs for one guest. All figures in bytes. */
export interface GuardInput {
  readonly thresholdPercent: number;
  /** The storage as Proxmox lists it now. */
  readonly storage: { readonly total: number; readonly used: number; readonly active: boolean };
  /** The storage's `used` at this run's first check on it (the run's counter keeps it). */
  readonly baseline: number;
  /** What this run has reserved on the storage so far (its counter, added to atomically). */
  readonly reserved: number;
  /** What this guest is expected to write. */
  readonly estimate: number;
}

export type GuardDecision =
  | { readonly allowed: true; readonly projected?: number; readonly limit?: number }
  | { readonly allowed: false; readonly projected: number; readonly limit: number };

/**
 * Whether the guest may write. The fill counted is the larger of what Proxmox reports now and
 * what the storage held when the run began plus everything the run reserved since (writes still
 * in flight are not in Proxmox's figure yet; finished ones are in both, so the larger is taken,
 * never the sum). An inactive storage, or one without figures, is not judged: Proxmox answers
 * the write with its own error.
 */
export function decideStorageGuard(input: GuardInput): GuardDecision {
  const { storage } = input;
  if (!storage.active || storage.total <= 0) return { allowed: true };
  const projected = Math.max(storage.used, input.baseline + input.reserved) + input.estimate;
  // Compared in integers: bytes times a hundred pass 2^53 on large storages.
  const allowed =
    BigInt(Math.ceil(projected)) * 100n <= BigInt(Math.floor(storage.total)) * BigInt(input.thresholdPercent);
  const limit = Math.floor((storage.total * input.thresholdPercent) / 100);
  return allowed ? { allowed: true, projected, limit } : { allowed: false, projected, limit };
}

/** A percentage with one decimal, for messages (`91.3%`). */
export const percentOf = (part: number, total: number): string =>
  total > 0 ? `${(Math.round((part / total) * 1000) / 10).toFixed(1)}%` : 'unknown';

/** The skip reason a guest's result carries when the guard kept it from writing. */
export const STORAGE_GUARD_REASON = 'storage-guard';

/** Where the guard tripped, for the run's result and the `storage.threshold` event. */
export interface GuardTrip {
  readonly clusterId: string;
  readonly storage: string;
  /** The node, or `*` for a shared storage. */
  readonly node: string;
  readonly thresholdPercent: number;
  readonly projected: number;
  readonly total: number;
  /** What the refused write would have written. */
  readonly estimate: number;
}

/**
 * The guard kept a guest from writing: nothing was sent to Proxmox. The lane records the guest
 * as skipped with reason `storage-guard` (never a half-written archive).
 */
export class StorageGuardError extends AppError {
  readonly status = 409;
  readonly type = 'conflict';
  readonly title = 'The storage guard kept the guest from writing';
  readonly storageGuard: GuardTrip;

  constructor(trip: GuardTrip, what: string) {
    super(
      `${STORAGE_GUARD_REASON}: ${what} would bring storage '${trip.storage}' to ${percentOf(trip.projected, trip.total)} (threshold ${trip.thresholdPercent}%)`,
    );
    this.storageGuard = trip;
  }
}
