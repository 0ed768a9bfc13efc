/** Keeps one guest out of one policy (or of every policy), optionally until a time. */
export interface Exclusion {
  readonly id: string;
  readonly tenantId: string;
  readonly guestId: string;
  /** Absent: the guest is excluded from every policy. */
  readonly policyId?: string;
  readonly reason: string;
  /** ISO time after which the exclusion no longer applies. */
  readonly expiresAt?: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export function isExclusionActive(exclusion: Exclusion, nowMs: number): boolean {
  return exclusion.expiresAt === undefined || Date.parse(exclusion.expiresAt) > nowMs;
}
