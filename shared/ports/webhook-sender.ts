export interface WebhookPost {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Posts signed webhook bodies; the notifier's port to the receivers. */
export interface WebhookSender {
  /** Resolves with the receiver's status; rejects on network errors, timeouts and refused addresses. */
  post(post: WebhookPost): Promise<{ status: number }>;
  close(): Promise<void>;
}
