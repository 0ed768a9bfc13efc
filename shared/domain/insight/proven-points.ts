import type { RestoreTestRun } from '../restore-test/restore-test.ts';

/** Restore tests in a period: recovery points tested, and those proven (restored and alive). */
export interface ProvenPoints {
  /** Distinct recovery points (guest and snapshot or archive) a restore test tried. */
  readonly tested: number;
  /** Of those, the ones at least one test restored and saw alive. */
  readonly proven: number;
  /** Of those, the ones no test could prove. */
  readonly failed: number;
}

/** Counts the recovery points restore tests proved among the runs started in [from, to). */
export function provenPoints(runs: readonly RestoreTestRun[], fromMs: number, toMs: number): ProvenPoints {
  const outcomes = new Map<string, boolean>();
  for (const run of runs) {
    const at = Date.parse(run.startedAt);
    if (at < fromMs || at >= toMs) continue;
    for (const item of run.items ?? []) {
      if (!item.point || !item.outcome) continue;
      const key = `${item.guestId}\n${item.point.kind === 'snapshot' ? item.point.name : item.point.volid}`;
      outcomes.set(key, (outcomes.get(key) ?? false) || item.outcome === 'succeeded');
    }
  }
  const proven = [...outcomes.values()].filter(Boolean).length;
  return { tested: outcomes.size, proven, failed: outcomes.size - proven };
}
