import { POLICY_KINDS, type Policy } from '#shared/domain/policy.ts';

/**
 * The kinds of recovery point a policy makes; reported apart, never counted together. `offsite`:
 * the archives of a backup policy that copies another one to a second storage (`backup.copyOf`).
 */
export const RECOVERY_KINDS = [...POLICY_KINDS, 'offsite'] as const;
export type RecoveryKind = (typeof RECOVERY_KINDS)[number];

/** What a policy makes (a policy stored before backups existed has no `kind`: snapshots). */
export function policyKind(policy: Policy): RecoveryKind {
  if (policy.kind === 'backup' && policy.backup?.copyOf !== undefined) return 'offsite';
  return policy.kind ?? 'snapshot';
}
