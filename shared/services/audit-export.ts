import type { AuditEvent } from '#shared/domain/audit.ts';
import { toCsv } from './csv.ts';

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

/** The audit events as CSV with a header row (CRLF line ends, as RFC 4180 says). */
export function auditToCsv(events: readonly AuditEvent[]): string {
  return toCsv(COLUMNS, events);
}
