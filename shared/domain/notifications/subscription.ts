import type { EventOutcome, EventType } from './events.ts';

export interface SubscriptionFilters {
  /** Only these event types; all when absent or empty. */
  readonly types?: readonly EventType[];
  /** Only these outcomes; both when absent or empty. */
  readonly outcomes?: readonly EventOutcome[];
  /** Only events of these policies (events without a policy then never match); all when absent or empty. */
  readonly policies?: readonly string[];
}

export const SUBSCRIPTION_KINDS = ['email', 'webhook'] as const;
type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];
export const SUBSCRIPTION_STATUSES = ['pending', 'active'] as const;
type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Where a tenant's events go: an email address or a webhook URL, with filters. */
export interface Subscription {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: SubscriptionKind;
  /** The address (email) or the URL (webhook). */
  readonly target: string;
  readonly description?: string;
  readonly filters: SubscriptionFilters;
  /** `pending`: an email address that has not answered its confirmation yet; nothing else is sent to it. */
  readonly status: SubscriptionStatus;
  /**
   * Email confirmation: the MAC of the code mailed (see `confirmation-code.ts`), when it
   * expires, wrong answers so far. Items written before the MAC have `codeHash` instead, which
   * no longer matches anything: such a code counts as expired.
   */
  readonly confirmation?: {
    readonly codeMac?: string;
    readonly expiresAt: string;
    readonly failures: number;
  };
  /** Webhook: the secret store reference of the signing secrets (never the secrets). */
  readonly secretRef?: string;
  /**
   * Webhook: the secret the last rotation replaced. Kept until the next rotation (or the
   * subscription's deletion), so a delivery that read the subscription before the rotation can
   * still sign; each rotation writes a secret of its own, so a refused rotation changes nothing.
   */
  readonly retiredSecretRef?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A webhook's signing secrets: during a rotation the previous one stays valid until `previousUntil`. */
export interface WebhookSecrets {
  readonly current: string;
  readonly previous?: string;
  readonly previousUntil?: string;
}
