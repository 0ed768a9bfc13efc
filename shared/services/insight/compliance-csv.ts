import type { ComplianceReport, PointSummary } from '#shared/domain/insight/compliance.ts';
import { toCsv } from '../csv.ts';

/**
 * One table for a spreadsheet: a `tenant` row, a row per policy, a row per policy and guest, a
 * row per restore; the `section` column says which, the others are empty where they do not apply.
 */
const COMPLIANCE_COLUMNS = [
  'section',
  'policyId',
  'policyName',
  'enabled',
  'rpoMinutes',
  'runsExpected',
  'runsRun',
  'runsManual',
  'runsSucceeded',
  'runsFailed',
  'successRate',
  'guestId',
  'vmid',
  'guestName',
  'rpoShare',
  'retentionPromised',
  'retentionObserved',
  'snapshots',
  'oldestSnapshot',
  'newestSnapshot',
  'backups',
  'oldestBackup',
  'newestBackup',
  'operationId',
  'restoreKind',
  'snapshotName',
  'restoreStatus',
  'requestedBy',
  'at',
  'error',
] as const;
type Column = (typeof COMPLIANCE_COLUMNS)[number];
type Row = Partial<Record<Column, unknown>>;

const points = (summary: PointSummary, prefix: 'Snapshot' | 'Backup'): Row => ({
  [prefix === 'Snapshot' ? 'snapshots' : 'backups']: summary.count,
  [`oldest${prefix}`]: summary.oldest,
  [`newest${prefix}`]: summary.newest,
});

export function complianceToCsv(report: ComplianceReport): string {
  const rows: Row[] = [
    {
      section: 'tenant',
      runsExpected: report.tenant.runsExpected,
      runsRun: report.tenant.runsRun,
      successRate: report.tenant.successRate,
      rpoShare: report.tenant.averageRpoShare,
      at: `${report.from}/${report.to}`,
    },
  ];
  for (const policy of report.policies) {
    const named = { policyId: policy.policyId, policyName: policy.policyName };
    rows.push({
      section: 'policy',
      ...named,
      enabled: policy.enabled,
      rpoMinutes: policy.rpoMinutes,
      runsExpected: policy.runs.expected,
      runsRun: policy.runs.run,
      runsManual: policy.runs.manual,
      runsSucceeded: policy.runs.succeeded,
      runsFailed: policy.runs.failed + policy.runs.partiallyFailed,
      successRate: policy.runs.successRate,
    });
    for (const guest of policy.guests) {
      rows.push({
        section: 'guest',
        ...named,
        guestId: guest.guestId,
        vmid: guest.vmid,
        guestName: guest.name,
        rpoShare: guest.rpoShare,
        retentionPromised: guest.retention.promised,
        retentionObserved: guest.retention.observed,
        ...points(guest.snapshots, 'Snapshot'),
        ...points(guest.backups, 'Backup'),
      });
    }
  }
  for (const restore of report.restores) {
    rows.push({
      section: 'restore',
      guestId: restore.guestId,
      operationId: restore.operationId,
      restoreKind: restore.kind,
      snapshotName: restore.snapshotName,
      restoreStatus: restore.status,
      requestedBy: restore.requestedBy,
      at: restore.createdAt,
      error: restore.error,
    });
  }
  return toCsv(COMPLIANCE_COLUMNS, rows);
}
