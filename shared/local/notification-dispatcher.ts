import { AsyncResource } from 'node:async_hooks';
import type { DeliveryStore } from '#shared/adapters/dynamo/delivery-store.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';

/**
 * A publish wakes the dispatcher this long after it, so the events published meanwhile are taken
 * in one look at the outbox and one batch (one read of the outbox, of each tenant's subscriptions,
 * one removal), as SQS hands the notifier the messages that arrived while it was busy. Without it,
 * a run publishing each guest's event looked at the outbox once per event.
 */
const WAKE_BATCH_MS = 100;

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
  outbox: Pick<DeliveryStore, 'pending' | 'dequeueAll'>;
  /** Handles one event; `batch` is the same object for the events of one look at the outbox (as an SQS batch). */
  deliver: (event: DomainEvent, batch: object) => Promise<unknown>;
  onError: (event: DomainEvent, error: unknown) => void;
  concurrency?: number;
  intervalMs?: number;
  /** How long a wake waits for more events before looking (see {@link WAKE_BATCH_MS}). */
  batchWindowMs?: number;
}): NotificationDispatcher {
  const concurrency = options.concurrency ?? 16;
  const inFlight = new Map<string, Promise<void>>();
  /** Delivered events not yet removed from the outbox: never handed out again meanwhile. */
  const handled = new Set<string>();
  /** Removed events that a read of the outbox begun before their removal may still list. */
  const removed = new Set<string>();
  let removing: Promise<void> | undefined;
  let pumping: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  // Delivered events leave the outbox together, one BatchWriteItem per 25, instead of one
  // DeleteItem each. One whose removal failed is handed out again on a later look (a delivery is
  // made once per subscription and event however often it is handed out).
  const remove = (): Promise<void> => {
    if (removing) return removing;
    if (handled.size === 0) return Promise.resolve();
    removing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        const batch = [...handled];
        const gone = await options.outbox.dequeueAll(batch).then(
          () => true,
          () => false,
        );
        for (const id of batch) {
          handled.delete(id);
          if (gone) removed.add(id);
        }
      })
      .finally(() => {
        removing = undefined;
        if (handled.size > 0) void remove();
      });
    return removing;
  };

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
        // Events removed before this read began cannot be in it; ones removed while it runs may.
        const settled = [...removed];
        const pending = await options.outbox.pending(inFlight.size + free);
        for (const id of settled) removed.delete(id);
        const batch = {};
        for (const event of pending) {
          if (inFlight.size >= concurrency) break;
          if (inFlight.has(event.id) || handled.has(event.id) || removed.has(event.id)) continue;
          const delivery = options
            .deliver(event, batch)
            .then(() => {
              handled.add(event.id);
              void remove();
            })
            .catch((error: unknown) => options.onError(event, error))
            .finally(() => {
              inFlight.delete(event.id);
              void pump();
            });
          inFlight.set(event.id, delivery);
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

  let waking: NodeJS.Timeout | undefined;
  const batchWindowMs = options.batchWindowMs ?? WAKE_BATCH_MS;
  const wake = () => {
    if (waking || stopped) return;
    waking = setTimeout(() => {
      waking = undefined;
      void pump();
    }, batchWindowMs);
    // Like the interval: a pending look never keeps the process alive (idle() pumps itself).
    waking.unref();
  };

  return {
    wake,
    idle: async () => {
      for (;;) {
        await pumping;
        if (inFlight.size > 0) {
          await Promise.all(inFlight.values());
          continue;
        }
        if (handled.size > 0) {
          await remove();
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
      clearTimeout(waking);
      await pumping;
      await Promise.all(inFlight.values());
      await remove();
    },
  };
}
