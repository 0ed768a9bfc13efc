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
    removals: [] as string[][],
    pending: async (limit: number) => events.slice(0, limit),
    async dequeueAll(eventIds: readonly string[]) {
      this.removals.push([...eventIds]);
      for (const eventId of eventIds) {
        dequeuedAs.push(runningAs.getStore());
        const index = events.findIndex((event) => event.id === eventId);
        if (index >= 0) events.splice(index, 1);
      }
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

  it('removes delivered events in batches and hands none out twice, even to a read begun before the removal', async () => {
    const outbox = memoryOutbox();
    for (let index = 0; index < 40; index++) outbox.events.push(event(`evt_${index}`));
    // Every read answers with what the outbox held when it began, a moment later: the next read
    // may begin before a removal and end after it.
    const pending = outbox.pending;
    outbox.pending = async (limit: number) => {
      const listed = await pending(limit);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return listed;
    };
    const delivered: string[] = [];
    const dispatcher = startNotificationDispatcher({
      outbox,
      deliver: async (handed) => {
        delivered.push(handed.id);
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
      onError: (_event, error) => {
        throw error;
      },
      intervalMs: 60_000,
    });
    await dispatcher.idle();
    await dispatcher.stop();
    expect(outbox.events).toHaveLength(0);
    expect([...delivered].sort()).toEqual(Array.from({ length: 40 }, (_, index) => `evt_${index}`).sort());
    expect(outbox.removals.length).toBeLessThan(40);
  });

  it('takes the events published within its batch window in one look at the outbox, one batch and one removal', async () => {
    const outbox = memoryOutbox();
    const pending = outbox.pending;
    let looks = 0;
    outbox.pending = async (limit: number) => {
      looks++;
      return await pending(limit);
    };
    const batches = new Set<object>();
    const dispatcher = startNotificationDispatcher({
      outbox,
      deliver: async (_event, batch) => {
        batches.add(batch);
      },
      onError: (_event, error) => {
        throw error;
      },
      intervalMs: 60_000,
      batchWindowMs: 50,
    });
    await dispatcher.idle();
    const before = looks;
    // Ten publishes, each waking it, within its window.
    for (let index = 0; index < 10; index++) {
      outbox.events.push(event(`evt_${index}`));
      dispatcher.wake();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(looks).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await dispatcher.stop();
    expect(outbox.events).toHaveLength(0);
    expect(batches.size).toBe(1);
    expect(outbox.removals).toEqual([Array.from({ length: 10 }, (_, index) => `evt_${index}`)]);
    // The look that took them, and the few (coalesced) its deliveries' ends make: not one per event.
    expect(looks - before).toBeLessThanOrEqual(3);
  });
});
