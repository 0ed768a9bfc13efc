import type { DeliveryStore } from '#shared/adapters/dynamo/delivery-store.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import type { EventPublisher } from '#shared/ports/event-publisher.ts';

/**
 * The local runtime's publisher: each event goes into the outbox in the table (once per id),
 * then the in-process notifier is woken. Events survive a crash and are delivered on the next
 * start; the step that published never waits for a delivery.
 */
export class OutboxEventPublisher implements EventPublisher {
  readonly #outbox: DeliveryStore;
  readonly #wake: () => void;

  constructor(outbox: DeliveryStore, wake: () => void) {
    this.#outbox = outbox;
    this.#wake = wake;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) await this.#outbox.enqueue(event);
    if (events.length > 0) this.#wake();
  }
}
