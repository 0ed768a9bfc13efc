import type { AuditEvent } from '#shared/domain/audit.ts';

const COLUMNS = [
  'at',
  'id',
  'actor',
  'role',
  'action',
  'resourceType',
  'resourceId',
  'outcome',
  'requestId',
  'reason',
] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formula starts defused. */
export function csvField(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  // A leading =, +, - or @ would run as a formula when the export is opened in a spreadsheet,
  // and a leading tab or carriage return can hide one from a check (OWASP's CSV injection list).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The audit events as CSV with a header row (CRLF line ends, as RFC 4180 says). */
export function auditToCsv(events: readonly AuditEvent[]): string {
  const rows = [
    COLUMNS.join(','),
    ...events.map((event) => COLUMNS.map((column) => csvField(event[column])).join(',')),
  ];
  return `${rows.join('\r\n')}\r\n`;
}
