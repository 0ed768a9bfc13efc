import type { DomainEvent } from '#shared/domain/notifications/events.ts';

/**
 * Publishes domain events: SNS and the EventBridge bus in AWS, the outbox in the table locally.
 * Event ids are derived from the outcome, so publishing again (a retried step) is harmless.
 */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}
