import { POLICY_KINDS, type Policy } from '#shared/domain/policy.ts';

/** The kinds of recovery point a policy makes; reported apart, never counted together. */
export const RECOVERY_KINDS = POLICY_KINDS;
export type RecoveryKind = (typeof RECOVERY_KINDS)[number];

/** What a policy makes (a policy stored before backups existed has no `kind`: snapshots). */
export function policyKind(policy: Policy): RecoveryKind {
  return policy.kind ?? 'snapshot';
}
