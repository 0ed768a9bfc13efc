import { createHash } from 'node:crypto';

/** Every outcome the service reports, as subscribers filter them. */
export const EVENT_TYPES = [
  'run.succeeded',
  'run.partially_failed',
  'run.failed',
  'run.cancelled',
  'snapshot.created',
  'snapshot.failed',
  'snapshot.deleted',
  'snapshot.missing',
  'backup.succeeded',
  'backup.failed',
  'restore.succeeded',
  'restore.failed',
  'lock.stuck',
  'agent.offline',
  'rpo.breached',
  'rpo.recovered',
  'guest.unprotected',
  'storage.threshold',
  'storage.recovered',
  'restore_test.succeeded',
  'restore_test.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Sent only to the subscription it names (POST /v1/subscriptions/{id}/test, email confirmation). */
export type TargetedEventType = 'notification.test' | 'subscription.confirmation';

export const EVENT_OUTCOMES = ['success', 'failure'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

const FAILURES: ReadonlySet<string> = new Set([
  'run.partially_failed',
  'run.failed',
  'snapshot.failed',
  'snapshot.missing',
  'backup.failed',
  'restore.failed',
  'lock.stuck',
  'agent.offline',
  'rpo.breached',
  'guest.unprotected',
  'storage.threshold',
  'restore_test.failed',
]);

/** Whether an event reports something that went well or something an operator must look at. */
const outcomeOf = (type: EventType | TargetedEventType): EventOutcome =>
  FAILURES.has(type) ? 'failure' : 'success';

/** One outcome, as published to SNS and EventBridge and delivered to subscribers. */
export interface DomainEvent {
  /** Derived from what happened (see {@link eventId}), so a retried step publishes the same event. */
  readonly id: string;
  readonly type: EventType | TargetedEventType;
  /** ISO 8601. */
  readonly time: string;
  readonly tenantId: string;
  readonly outcome: EventOutcome;
  readonly policyId?: string;
  /** Set on targeted events: the only subscription that receives it. */
  readonly subscriptionId?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The id of the event for one outcome: the same outcome always gets the same id (a retried step
 * or a resumed run cannot publish it twice under two ids), different outcomes never share one.
 */
export function eventId(tenantId: string, type: string, subject: string): string {
  const digest = createHash('sha256').update(`${tenantId}\n${type}\n${subject}`).digest('hex');
  return `evt_${digest.slice(0, 32)}`;
}

/** Builds an event; `subject` names the outcome (a run id, `<guest>/<snapshot>`, an operation id, ...). */
export function domainEvent(input: {
  tenantId: string;
  type: EventType | TargetedEventType;
  subject: string;
  time: number;
  policyId?: string;
  subscriptionId?: string;
  data: Record<string, unknown>;
}): DomainEvent {
  return {
    id: eventId(input.tenantId, input.type, input.subject),
    type: input.type,
    time: new Date(input.time).toISOString(),
    tenantId: input.tenantId,
    outcome: outcomeOf(input.type),
    ...(input.policyId ? { policyId: input.policyId } : {}),
    ...(input.subscriptionId ? { subscriptionId: input.subscriptionId } : {}),
    data: input.data,
  };
}
