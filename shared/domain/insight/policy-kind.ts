import type { Policy } from '#shared/domain/policy.ts';

/** The kinds of recovery point a policy makes; reported apart, never counted together. */
export const RECOVERY_KINDS = ['snapshot', 'backup'] as const;
export type RecoveryKind = (typeof RECOVERY_KINDS)[number];

/**
 * What a policy makes. Every policy makes snapshots today; backup policies (a `kind` on the
 * policy) are decided here, the one place coverage and the RPO monitor ask.
 */
export function policyKind(_policy: Policy): RecoveryKind {
  return 'snapshot';
}
