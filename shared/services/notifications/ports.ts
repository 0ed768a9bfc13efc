import type { DomainEvent } from '#shared/domain/notifications/events.ts';

/**
 * Publishes domain events: SNS and the EventBridge bus in AWS, the outbox in the table locally.
 * Event ids are derived from the outcome, so publishing again (a retried step) is harmless.
 */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Sends mail over SMTP; resolves with the server's reply (e.g. `250 2.0.0 Ok: queued as ...`). */
export interface Mailer {
  send(message: MailMessage): Promise<{ reply: string }>;
  close(): Promise<void>;
}
