/** One try to hand an event to a subscriber. */
export interface DeliveryAttempt {
  readonly at: string;
  readonly ok: boolean;
  /** Webhook: the receiver's HTTP status. */
  readonly status?: number;
  /** Email: the SMTP server's reply, e.g. `250 2.0.0 Ok: queued`. */
  readonly reply?: string;
  /** Why it failed (network error, refused address, SMTP error), never a secret. */
  readonly error?: string;
  readonly latencyMs: number;
}

/** An event's delivery to one subscription; its key (subscription + event id) makes it happen once. */
export const DELIVERY_STATUSES = ['delivering', 'delivered', 'failed'] as const;
type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly createdAt: string;
  readonly status: DeliveryStatus;
  readonly attempts: readonly DeliveryAttempt[];
  /** When the next attempt is due while `delivering`. */
  readonly nextRetryAt?: string;
}
