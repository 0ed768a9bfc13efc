import { describe, expect, it } from 'vitest';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { Subscription } from '#shared/domain/notifications/subscription.ts';
import { subscriptionsPerBatch } from '#shared/services/notifications/notifier.ts';

/** A store whose subscription reads are counted, per tenant, and fail on demand. */
function countingStore(failFirstFor?: string) {
  const reads: string[] = [];
  let failed = false;
  const store = {
    subscriptions: {
      all: async (tenantId: string): Promise<Subscription[]> => {
        reads.push(tenantId);
        if (tenantId === failFirstFor && !failed) {
          failed = true;
          throw new Error('throttled');
        }
        return [{ id: `sub_${tenantId}` } as Subscription];
      },
    },
  } as unknown as Store;
  return { store, reads };
}

describe('subscriptionsPerBatch', () => {
  it('reads each tenant\u2019s subscriptions once for the events of one batch, and again in the next batch', async () => {
    const { store, reads } = countingStore();
    const batch = subscriptionsPerBatch(store);
    const answers = await Promise.all(['acme', 'acme', 'other', 'acme'].map((tenant) => batch(tenant)));
    expect(answers.map(([subscription]) => subscription?.id)).toEqual([
      'sub_acme',
      'sub_acme',
      'sub_other',
      'sub_acme',
    ]);
    expect(reads).toEqual(['acme', 'other']);
    await subscriptionsPerBatch(store)('acme');
    expect(reads).toEqual(['acme', 'other', 'acme']);
  });

  it('does not keep a failed read: the next event of the batch reads again', async () => {
    const { store, reads } = countingStore('acme');
    const batch = subscriptionsPerBatch(store);
    await expect(batch('acme')).rejects.toThrow('throttled');
    await expect(batch('acme')).resolves.toEqual([{ id: 'sub_acme' }]);
    expect(reads).toEqual(['acme', 'acme']);
  });
});
