import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import { startNotificationDispatcher } from '#shared/local/notification-dispatcher.ts';

/** Stands in for LocalIam's principal: which function the code runs as. */
const runningAs = new AsyncLocalStorage<string>();

function memoryOutbox() {
  const events: DomainEvent[] = [];
  const dequeuedAs: (string | undefined)[] = [];
  return {
    events,
    dequeuedAs,
    pending: async (limit: number) => events.slice(0, limit),
    dequeue: async (eventId: string) => {
      dequeuedAs.push(runningAs.getStore());
      events.splice(
        events.findIndex((event) => event.id === eventId),
        1,
      );
    },
  };
}

const event = (id: string) => ({ id, type: 'snapshot.failed' }) as unknown as DomainEvent;

describe('the local notification dispatcher', () => {
  it('removes delivered events as itself, not as the function whose publish woke it', async () => {
    const outbox = memoryOutbox();
    const deliveredAs: (string | undefined)[] = [];
    const dispatcher = startNotificationDispatcher({
      outbox,
      deliver: async () => {
        deliveredAs.push(runningAs.getStore());
      },
      onError: (_event, error) => {
        throw error;
      },
      intervalMs: 60_000,
    });
    await dispatcher.idle();
    outbox.events.push(event('evt_1'), event('evt_2'));
    runningAs.run('connector', () => dispatcher.wake());
    await dispatcher.idle();
    await dispatcher.stop();
    expect(outbox.events).toHaveLength(0);
    expect(outbox.dequeuedAs).toEqual([undefined, undefined]);
    expect(deliveredAs).toEqual([undefined, undefined]);
  });
});
