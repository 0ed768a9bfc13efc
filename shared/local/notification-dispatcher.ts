import { AsyncResource } from 'node:async_hooks';
import type { DeliveryStore } from '#shared/adapters/dynamo/delivery-store.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';

export interface NotificationDispatcher {
  /** Looks at the outbox now (the outbox publisher calls it after each publish). */
  wake(): void;
  /** Resolves once the outbox is empty and nothing is being delivered (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The local runtime's stand-in for SNS → SQS → notifier Lambda: takes events from the outbox in
 * the table, hands each to the notifier (a few at once), and removes it once handled. An event
 * whose handling throws stays in the outbox and is tried again on the next look (every
 * `intervalMs`); events left by a crash are delivered after the next start.
 */
export function startNotificationDispatcher(options: {
  outbox: Pick<DeliveryStore, 'pending' | 'dequeue'>;
  deliver: (event: DomainEvent) => Promise<unknown>;
  onError: (event: DomainEvent, error: unknown) => void;
  concurrency?: number;
  intervalMs?: number;
}): NotificationDispatcher {
  const concurrency = options.concurrency ?? 16;
  const inFlight = new Map<string, Promise<void>>();
  let pumping: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  // Bound to the context the dispatcher starts in: a wake from inside a function (the publisher
  // runs as the step or connector that published) must not make the outbox's own reads and
  // deletes run as that function. In AWS they are SNS and SQS's, not the publisher's.
  const pump = AsyncResource.bind((): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        again = false;
        const free = concurrency - inFlight.size;
        if (free <= 0) break;
        const pending = await options.outbox.pending(inFlight.size + free);
        for (const event of pending) {
          if (inFlight.size >= concurrency) break;
          if (inFlight.has(event.id)) continue;
          const handled = options
            .deliver(event)
            .then(() => options.outbox.dequeue(event.id))
            .catch((error: unknown) => options.onError(event, error))
            .finally(() => {
              inFlight.delete(event.id);
              void pump();
            });
          inFlight.set(event.id, handled);
        }
      } while (again);
    })()
      .catch(() => undefined)
      .finally(() => {
        pumping = undefined;
      });
    return pumping;
  });

  const timer = setInterval(() => void pump(), options.intervalMs ?? 1000);
  timer.unref();
  void pump();

  return {
    wake: () => void pump(),
    idle: async () => {
      for (;;) {
        await pumping;
        if (inFlight.size > 0) {
          await Promise.all(inFlight.values());
          continue;
        }
        if ((await options.outbox.pending(1)).length === 0 && !pumping && inFlight.size === 0) return;
        await pump();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await pumping;
      await Promise.all(inFlight.values());
    },
  };
}
