import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '#shared/domain/audit.ts';
import { auditToCsv } from '#shared/services/audit-export.ts';

const event = (overrides: Partial<AuditEvent>): AuditEvent => ({
  id: 'aud_1',
  tenantId: 't',
  at: '2026-01-01T00:00:00.000Z',
  actor: 'alice',
  role: 'admin',
  action: 'policy.create',
  resourceType: 'policy',
  resourceId: 'pol_1',
  outcome: 'success',
  requestId: 'r1',
  ...overrides,
});

describe('audit CSV export', () => {
  it('quotes fields holding commas, quotes or line breaks (RFC 4180)', () => {
    const csv = auditToCsv([event({ reason: 'a, "b"\nc' })]);
    expect(csv.split('\r\n')[1]).toBe(
      '2026-01-01T00:00:00.000Z,aud_1,alice,admin,policy.create,policy,pol_1,success,r1,"a, ""b""\nc"',
    );
  });

  it('defuses values a spreadsheet would run as formulas', () => {
    const csv = auditToCsv([
      event({ actor: '=HYPERLINK("x")', reason: '+1', resourceId: '-2', requestId: '@SUM(A1)' }),
    ]);
    const row = csv.split('\r\n')[1] ?? '';
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row).toContain(",'-2,");
    expect(row).toContain(",'@SUM(A1),'+1");
  });

  it('defuses values starting with a tab or a carriage return, behind which a formula can hide', () => {
    const csv = auditToCsv([event({ actor: '\t=1+2', reason: '\r=cmd|calc' })]);
    const row = csv.slice(csv.indexOf('\r\n') + 2, -2);
    expect(row).toBe(
      `2026-01-01T00:00:00.000Z,aud_1,'\t=1+2,admin,policy.create,policy,pol_1,success,r1,"'\r=cmd|calc"`,
    );
  });

  it('writes only the header for no events', () => {
    expect(auditToCsv([])).toBe(
      'at,id,actor,role,action,resourceType,resourceId,outcome,requestId,reason\r\n',
    );
  });
});
