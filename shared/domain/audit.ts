import type { OperationKind } from './operation.ts';
import type { Principal, Role } from './roles.ts';

export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One entry of the audit trail: who did what to which resource, and how it ended. */
export interface AuditEvent {
  readonly id: string;
  readonly tenantId: string;
  readonly at: string;
  readonly actor: string;
  readonly role: Role | 'system';
  /** `<resource>.<verb>`, e.g. `policy.update`. */
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly outcome: AuditOutcome;
  readonly requestId: string;
  /** Summaries of the resource before and after, never containing secrets. */
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
  readonly reason?: string;
}

/**
 * The audit action of each guest operation. Actions read `<resource>.<verb>`: the kind names
 * the operation, the verb what it does to the snapshot (both restore modes restore).
 */
export const OPERATION_ACTIONS = {
  snapshot: 'snapshot.create',
  'delete-snapshot': 'snapshot.delete',
  'restore-in-place': 'snapshot.restore',
  'restore-new-guest': 'snapshot.restore',
  'restore-backup-new-guest': 'backup.restore',
  'restore-backup-in-place': 'backup.restore',
} as const satisfies Record<OperationKind, string>;

export interface AuditContext {
  readonly principal: Principal;
  readonly requestId: string;
}

const SECRET_FIELD = /secret|password|credential|^token$/i;

/**
 * A copy of a resource fit for the audit trail: fields that could hold secrets are replaced by
 * a marker, so the trail shows that they changed but never what they are.
 */
export function auditSummary(resource: object): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'tenantId') continue;
    summary[key] = SECRET_FIELD.test(key) && value !== undefined ? '[redacted]' : value;
  }
  return summary;
}
