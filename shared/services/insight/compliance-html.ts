import type { ComplianceReport, PointSummary } from '#shared/domain/insight/compliance.ts';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** Text as HTML: every name comes from someone else (guests are named on Proxmox). */
const esc = (value: unknown): string =>
  value === undefined || value === null
    ? ''
    : String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
const percent = (share: number | undefined) => (share === undefined ? '–' : `${(share * 100).toFixed(1)} %`);
const row = (cells: unknown[], tag = 'td') =>
  `<tr>${cells.map((cell) => `<${tag}>${esc(cell)}</${tag}>`).join('')}</tr>`;
const table = (head: string[], rows: unknown[][]) =>
  `<table><thead>${row(head, 'th')}</thead><tbody>${rows.map((cells) => row(cells)).join('')}</tbody></table>`;
const span = (summary: PointSummary) =>
  summary.count === 0 ? '0' : `${summary.count} (${summary.oldest} … ${summary.newest})`;

const STYLE = `body{font:13px/1.4 system-ui,sans-serif;margin:2em;color:#111}
h1{font-size:20px}h2{font-size:16px;margin-top:2em;page-break-after:avoid}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}@media print{body{margin:0}tr{page-break-inside:avoid}}`;

/**
 * The report as one printable page an auditor can keep: no script, no outside asset (a
 * content security policy forbids both), every value escaped.
 */
export function complianceToHtml(report: ComplianceReport): string {
  const { tenant } = report;
  const sections = report.policies.map(
    (policy) => `<h2>Policy ${esc(policy.policyName)}</h2>
<p>${esc(policy.enabled ? 'enabled' : 'disabled')}; schedule <code>${esc(policy.cron)}</code> (${esc(policy.timezone)});
objective ${esc(policy.rpoMinutes ?? '–')} minutes; retention ${esc(JSON.stringify(policy.retention))}</p>
${table(
  [
    'Runs expected',
    'Run',
    'Manual',
    'Succeeded',
    'Partially failed',
    'Failed',
    'Cancelled',
    'Skipped',
    'Success rate',
  ],
  [
    [
      policy.runs.expected,
      policy.runs.run,
      policy.runs.manual,
      policy.runs.succeeded,
      policy.runs.partiallyFailed,
      policy.runs.failed,
      policy.runs.cancelled,
      policy.runs.skipped,
      percent(policy.runs.successRate),
    ],
  ],
)}
${table(
  ['Guest', 'VMID', 'Name', 'RPO met', 'Retention promised', 'Observed', 'Snapshots', 'Backups'],
  policy.guests.map((guest) => [
    guest.guestId,
    guest.vmid,
    guest.name,
    percent(guest.rpoShare),
    guest.retention.promised,
    guest.retention.observed,
    span(guest.snapshots),
    span(guest.backups),
  ]),
)}`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Compliance report ${esc(report.from)} – ${esc(report.to)}</title>
<style>${STYLE}</style></head><body>
<h1>Compliance report</h1>
<p>Period ${esc(report.from)} to ${esc(report.to)}; generated ${esc(report.generatedAt)}.</p>
${table(
  [
    'Policies',
    'Runs expected',
    'Run',
    'Success rate',
    'Guests',
    'Meeting RPO all period',
    'Average RPO met',
    'Restores',
    'Restores failed',
  ],
  [
    [
      tenant.policies,
      tenant.runsExpected,
      tenant.runsRun,
      percent(tenant.successRate),
      tenant.guests,
      tenant.guestsMeetingRpo,
      percent(tenant.averageRpoShare),
      tenant.restores.total,
      tenant.restores.failed,
    ],
  ],
)}
${sections.join('\n')}
<h2>Restores</h2>
${table(
  ['When', 'Guest', 'Kind', 'Snapshot', 'Outcome', 'By', 'Error'],
  report.restores.map((restore) => [
    restore.createdAt,
    restore.guestId,
    restore.kind,
    restore.snapshotName,
    restore.status,
    restore.requestedBy,
    restore.error,
  ]),
)}
</body></html>
`;
}
