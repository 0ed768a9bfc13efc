import type { NotifyFlags } from '../policy.ts';
import type { DomainEvent } from './events.ts';
import type { Subscription } from './subscription.ts';

/**
 * Whether a subscription receives an event. Targeted events (a test, a confirmation) go to the
 * subscription they name and nowhere else. Otherwise the subscription must be active (an email
 * address confirmed), its filters must let the event through (an empty filter lets everything
 * through), and the event's policy must want it: `notify.onSuccess` / `notify.onFailure`.
 */
export function receives(
  subscription: Subscription,
  event: DomainEvent,
  policyNotify: NotifyFlags | undefined,
): boolean {
  if (event.subscriptionId !== undefined) return event.subscriptionId === subscription.id;
  if (subscription.status !== 'active') return false;
  const { types, outcomes, policies } = subscription.filters;
  if (types?.length && !types.includes(event.type as never)) return false;
  if (outcomes?.length && !outcomes.includes(event.outcome)) return false;
  if (policies?.length && (event.policyId === undefined || !policies.includes(event.policyId))) return false;
  if (policyNotify) {
    if (event.outcome === 'success' && !policyNotify.onSuccess) return false;
    if (event.outcome === 'failure' && !policyNotify.onFailure) return false;
  }
  return true;
}
