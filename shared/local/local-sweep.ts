import type { LaneRef } from '#shared/domain/lane.ts';
import type { SweepQueue, SweepUnit } from '#shared/ports/sweep-queue.ts';
import { planDailySweep, type SweepUnitResult, sweepUnit } from '#shared/services/daily-sweep.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';

/** Units worked at once, as the SQS event source's maximum concurrency does in AWS. */
const LOCAL_SWEEP_CONCURRENCY = 4;
/** Receives of a unit before it counts as failed (the sweep queue's maxReceiveCount in AWS). */
const LOCAL_SWEEP_ATTEMPTS = 3;

export interface LocalSweepSummary {
  readonly tenants: number;
  readonly units: number;
  /** Units that failed every attempt (in AWS they would sit in the sweep's dead-letter queue). */
  readonly failedUnits: number;
  readonly reconciled: {
    guests: number;
    adopted: number;
    missing: number;
    corrected: number;
    unreachable: number;
    deferred: number;
    stuckLocks: number;
  };
  readonly pruned: { guests: number; lanes: number; deletions: number };
}

/** An in-process stand-in for the sweep's SQS queue: runs units with bounded concurrency. */
class LocalSweepQueue implements SweepQueue {
  readonly #pending: Array<{ unit: SweepUnit; attempt: number }> = [];
  readonly #work: (unit: SweepUnit) => Promise<void>;
  readonly #onFailed: (unit: SweepUnit, error: unknown) => void;
  #running = 0;
  #idle: Array<() => void> = [];

  constructor(work: (unit: SweepUnit) => Promise<void>, onFailed: (unit: SweepUnit, error: unknown) => void) {
    this.#work = work;
    this.#onFailed = onFailed;
  }

  async enqueue(units: readonly SweepUnit[]): Promise<void> {
    this.#pending.push(...units.map((unit) => ({ unit, attempt: 1 })));
    this.#pump();
  }

  /** Resolves once every unit, including those enqueued by units, is done. */
  drain(): Promise<void> {
    if (this.#running === 0 && this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#running < LOCAL_SWEEP_CONCURRENCY && this.#pending.length > 0) {
      const next = this.#pending.shift() as { unit: SweepUnit; attempt: number };
      this.#running++;
      void this.#work(next.unit)
        .catch((error: unknown) => {
          if (next.attempt < LOCAL_SWEEP_ATTEMPTS) this.#pending.push({ ...next, attempt: next.attempt + 1 });
          else this.#onFailed(next.unit, error);
        })
        .finally(() => {
          this.#running--;
          this.#pump();
          if (this.#running === 0 && this.#pending.length === 0) {
            for (const resolve of this.#idle.splice(0)) resolve();
          }
        });
    }
  }
}

/**
 * The daily sweep as the local runtime runs it: the same planner and unit worker as in AWS, with an
 * in-process queue in place of SQS. Resolves once every unit is done (prune lanes are started, not awaited).
 */
export async function runLocalSweep(
  deps: ServiceDeps,
  startPruneLane: (name: string, lane: LaneRef) => Promise<void>,
  onFailed: (unit: SweepUnit, error: unknown) => void = () => undefined,
): Promise<LocalSweepSummary> {
  const results: SweepUnitResult[] = [];
  let failedUnits = 0;
  const queue: LocalSweepQueue = new LocalSweepQueue(
    async (unit) => void results.push(await sweepUnit(deps, unit, { queue, startPruneLane })),
    (unit, error) => {
      failedUnits++;
      onFailed(unit, error);
    },
  );
  const { tenants } = await planDailySweep(deps, queue);
  await queue.drain();
  const summary: LocalSweepSummary = {
    tenants,
    units: results.length + failedUnits,
    failedUnits,
    reconciled: {
      guests: 0,
      adopted: 0,
      missing: 0,
      corrected: 0,
      unreachable: 0,
      deferred: 0,
      stuckLocks: 0,
    },
    pruned: { guests: 0, lanes: 0, deletions: 0 },
  };
  for (const { reconciled, pruned } of results) {
    if (reconciled) {
      for (const key of ['guests', 'adopted', 'missing', 'corrected', 'unreachable', 'deferred'] as const)
        summary.reconciled[key] += reconciled[key];
      summary.reconciled.stuckLocks += reconciled.stuckLocks.length;
    }
    if (pruned) {
      for (const key of ['guests', 'lanes', 'deletions'] as const) summary.pruned[key] += pruned[key];
    }
  }
  return summary;
}
