import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { isRetryable, retryDelayMs } from '#shared/domain/notifications/backoff.ts';
import { domainEvent, EVENT_TYPES, eventId } from '#shared/domain/notifications/events.ts';
import { receives } from '#shared/domain/notifications/matching.ts';
import type { Subscription } from '#shared/domain/notifications/subscription.ts';
import { newWebhookSecret, signatureHeader } from '#shared/domain/notifications/webhook-signature.ts';

const subscription = (overrides: Partial<Subscription> = {}): Subscription => ({
  id: 'sub_1',
  tenantId: 't1',
  kind: 'webhook',
  target: 'https://example.com/hook',
  filters: {},
  status: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...overrides,
});
const event = (type: (typeof EVENT_TYPES)[number], policyId?: string) =>
  domainEvent({ tenantId: 't1', type, subject: 'x', time: 0, ...(policyId ? { policyId } : {}), data: {} });
const bothOn = { onSuccess: true, onFailure: true };

describe('event ids', () => {
  it('are the same for the same outcome and differ between outcomes, types and tenants', () => {
    expect(eventId('t1', 'run.failed', 'run_1')).toBe(eventId('t1', 'run.failed', 'run_1'));
    expect(eventId('t1', 'run.failed', 'run_1')).not.toBe(eventId('t1', 'run.failed', 'run_2'));
    expect(eventId('t1', 'run.failed', 'run_1')).not.toBe(eventId('t1', 'run.succeeded', 'run_1'));
    expect(eventId('t1', 'run.failed', 'run_1')).not.toBe(eventId('t2', 'run.failed', 'run_1'));
  });

  it('mark failures and successes', () => {
    expect(event('run.partially_failed').outcome).toBe('failure');
    expect(event('lock.stuck').outcome).toBe('failure');
    expect(event('snapshot.deleted').outcome).toBe('success');
  });
});

describe('which subscriptions receive an event', () => {
  it('applies type, outcome and policy filters and the policy\u2019s notify flags', () => {
    expect(receives(subscription(), event('run.failed', 'p1'), bothOn)).toBe(true);
    expect(
      receives(subscription({ filters: { types: ['run.failed'] } }), event('run.partially_failed'), bothOn),
    ).toBe(false);
    expect(
      receives(subscription({ filters: { outcomes: ['failure'] } }), event('run.succeeded'), bothOn),
    ).toBe(false);
    expect(receives(subscription({ filters: { policies: ['p2'] } }), event('run.failed', 'p1'), bothOn)).toBe(
      false,
    );
    expect(receives(subscription({ filters: { policies: ['p1'] } }), event('lock.stuck'), bothOn)).toBe(
      false,
    );
    expect(
      receives(subscription(), event('run.succeeded', 'p1'), { onSuccess: false, onFailure: true }),
    ).toBe(false);
    expect(receives(subscription(), event('run.failed', 'p1'), { onSuccess: true, onFailure: false })).toBe(
      false,
    );
    expect(receives(subscription({ status: 'pending' }), event('run.failed'), bothOn)).toBe(false);
  });

  it('sends targeted events only to the subscription they name, even a pending one', () => {
    const confirmation = domainEvent({
      tenantId: 't1',
      type: 'subscription.confirmation',
      subject: 'sub_1/1',
      time: 0,
      subscriptionId: 'sub_1',
      data: {},
    });
    expect(receives(subscription({ status: 'pending' }), confirmation, undefined)).toBe(true);
    expect(receives(subscription({ id: 'sub_2' }), confirmation, undefined)).toBe(false);
  });

  it('never lets more through when a filter is added (property)', () => {
    const types = fc.subarray([...EVENT_TYPES]);
    fc.assert(
      fc.property(
        fc.constantFrom(...EVENT_TYPES),
        types,
        fc.subarray(['success', 'failure'] as const),
        fc.constantFrom('p1', 'p2', undefined),
        (type, filterTypes, outcomes, policy) => {
          const e = event(type, policy);
          const narrowed = receives(subscription({ filters: { types: filterTypes, outcomes } }), e, bothOn);
          if (narrowed) expect(receives(subscription(), e, bothOn)).toBe(true);
          if (filterTypes.length > 0 && !filterTypes.includes(type)) expect(narrowed).toBe(false);
        },
      ),
    );
  });
});

describe('webhook retries', () => {
  it('retry network errors, 5xx and 429, never other 4xx', () => {
    expect(isRetryable(undefined)).toBe(true);
    expect(isRetryable(500)).toBe(true);
    expect(isRetryable(503)).toBe(true);
    expect(isRetryable(429)).toBe(true);
    expect(isRetryable(404)).toBe(false);
    expect(isRetryable(400)).toBe(false);
  });

  it('back off exponentially with jitter, within [step/2, step] and under the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, random) => {
          const step = Math.min(30_000, 1000 * 2 ** (attempt - 1));
          const delay = retryDelayMs(attempt, random);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
          expect(delay).toBeLessThanOrEqual(step);
        },
      ),
    );
    expect(retryDelayMs(1, 1)).toBe(1000);
    expect(retryDelayMs(3, 1)).toBe(4000);
  });
});

describe('webhook signatures', () => {
  it('verify with an independent Standard Webhooks implementation, for the current and the previous secret', () => {
    const current = newWebhookSecret();
    const previous = newWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'run.failed', timestamp: new Date().toISOString(), data: { a: 1 } });
    const header = signatureHeader(
      { current, previous, previousUntil: new Date(Date.now() + 60_000).toISOString() },
      Date.now(),
      'evt_1',
      timestamp,
      body,
    );
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': header,
    };
    expect(new Webhook(current).verify(body, headers)).toMatchObject({ type: 'run.failed' });
    expect(new Webhook(previous).verify(body, headers)).toMatchObject({ type: 'run.failed' });
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow();
  });

  it('drop the previous secret once its grace period is over', () => {
    const header = signatureHeader(
      {
        current: newWebhookSecret(),
        previous: newWebhookSecret(),
        previousUntil: new Date(1000).toISOString(),
      },
      2000,
      'evt_1',
      2,
      '{}',
    );
    expect(header.split(' ')).toHaveLength(1);
  });
});
