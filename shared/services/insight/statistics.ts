import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import {
  bucketStarts,
  durationsByNode,
  type FailureReason,
  type NodeDurations,
  type OutcomeCounts,
  rankFailures,
  runsByOutcome,
  type StatBucket,
  storageOverTime,
} from '#shared/domain/insight/stats.ts';
import type { RunGuestResult } from '#shared/domain/run.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { runsInPeriod } from './insight-records.ts';
import type { ReportPeriod } from './report-period.ts';

export interface Statistics {
  readonly from: string;
  readonly to: string;
  readonly bucket: StatBucket;
  readonly runs: Array<{ start: string } & OutcomeCounts>;
  readonly taskDurations: NodeDurations[];
  readonly failureReasons: FailureReason[];
  /** Absent while no archive of the service has a known size (snapshots live in the guest's own storage). */
  readonly storage?: Array<{ start: string; bytes: number }>;
}

/** Time series of the period for charts, from the runs, their guests' results and the backup catalog. */
export async function statistics(
  deps: ServiceDeps,
  context: AuditContext,
  period: ReportPeriod & { bucket: StatBucket },
): Promise<Statistics> {
  const tenantId = context.principal.tenantId;
  const starts = bucketStarts(period.fromMs, period.toMs, period.bucket);
  const runs = await runsInPeriod(deps, tenantId, period.fromMs, period.toMs);
  const results: RunGuestResult[] = (
    await Promise.all(runs.map((run) => deps.store.runs.results(tenantId, run.id)))
  ).flat();
  const backups = await readAllPages<BackupRecord>((cursor) =>
    deps.store.backups.list(tenantId, {
      limit: 200,
      to: new Date(period.toMs).toISOString(),
      ...(cursor ? { cursor } : {}),
    }),
  );
  const storage = storageOverTime(backups, starts, period.bucket);
  return {
    from: new Date(period.fromMs).toISOString(),
    to: new Date(period.toMs).toISOString(),
    bucket: period.bucket,
    runs: runsByOutcome(runs, starts, period.bucket),
    taskDurations: durationsByNode(results),
    failureReasons: rankFailures(results),
    ...(storage ? { storage } : {}),
  };
}
