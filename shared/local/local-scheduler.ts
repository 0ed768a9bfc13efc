import type { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { dueTicks } from '#shared/domain/schedule/due-ticks.ts';
import { startOffsetMs } from '#shared/domain/schedule/start-window.ts';
import type { PolicyScheduler } from '#shared/ports/policy-scheduler.ts';
import type { RestoreTestScheduler } from '#shared/ports/restore-test-scheduler.ts';
import type { PolicyRunInput, RestoreTestRunInput } from '#shared/ports/workflow-starter.ts';
import {
  registeredTenantPolicies,
  registeredTenantRestoreTests,
} from '#shared/services/registered-policies.ts';

export interface LocalSchedulerOptions {
  readonly store: Store;
  readonly start: (input: PolicyRunInput) => void;
  /** Starts a restore test's run for a tick (restore tests have schedules of their own). */
  readonly startRestoreTest?: (input: RestoreTestRunInput) => void;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How often due ticks are looked for. Default 1 s (Scheduler's own precision is a minute). */
  readonly tickMs?: number;
}

/**
 * The local scheduler reads the policies themselves from the table, so there is no separate
 * schedule to write: the policy service's scheduler port does nothing locally.
 */
export const policiesAreTheSchedule: PolicyScheduler = {
  put: async () => undefined,
  remove: async () => undefined,
  scheduledPolicyIds: async () => [],
};

/** Likewise for restore tests: the scheduler reads them from the table. */
export const restoreTestsAreTheSchedule: RestoreTestScheduler = {
  put: async () => undefined,
  remove: async () => undefined,
};

const STATE_KEY = { pk: 'LOCAL#SCHEDULER', sk: 'STATE' };

/**
 * The local stand-in for EventBridge Scheduler: evaluates every enabled policy's cron in its time
 * zone with Scheduler's daylight-saving rules and starts the policy-run workflow with the
 * scheduled time, as Scheduler's target input does. The point up to which ticks were evaluated
 * is kept in the table, so after downtime each policy's missed-run rule is applied. Duplicate
 * starts are harmless: the workflow claims each tick once.
 */
export class LocalScheduler {
  readonly #options: LocalSchedulerOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #evaluatedUntil = 0;
  #running: Promise<void> = Promise.resolve();

  constructor(options: LocalSchedulerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { table } = this.#options.store;
    const saved = await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: STATE_KEY, ConsistentRead: true }),
    );
    const now = this.#now();
    const previous = typeof saved.Item?.evaluatedUntil === 'number' ? saved.Item.evaluatedUntil : now;
    // Catch up on the downtime window once, under each policy's missed-run rule.
    await this.#evaluate(previous, now, true);
    this.#timer = setInterval(() => {
      this.#running = this.#running
        .then(() => this.#evaluate(this.#evaluatedUntil, this.#now(), false))
        .catch((error: unknown) => {
          this.#options.logger.warn('scheduler tick failed', { error: (error as Error).message });
        });
    }, this.#options.tickMs ?? 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  async #evaluate(fromMs: number, toMs: number, catchingUp: boolean): Promise<void> {
    if (toMs > fromMs) {
      for (const policy of await this.#enabledPolicies()) {
        for (const tick of this.#startingTicks(policy, fromMs, toMs, catchingUp)) {
          const scheduledTime = new Date(tick).toISOString();
          this.#options.logger.info('schedule fired', {
            tenantId: policy.tenantId,
            policyId: policy.id,
            scheduledTime,
            catchingUp,
          });
          this.#options.start({
            tenantId: policy.tenantId,
            policyId: policy.id,
            scheduledTime,
            trigger: 'schedule',
          });
        }
      }
    }
    if (toMs > fromMs && this.#options.startRestoreTest) {
      for await (const { restoreTests } of registeredTenantRestoreTests(this.#options.store)) {
        for (const test of restoreTests.filter((candidate) => candidate.enabled)) {
          // A restore test never catches up: a missed tick's proof would be no fresher than the next one.
          for (const tick of dueTicks({ ...test.schedule, missedRuns: 'skip' }, fromMs, toMs, catchingUp)) {
            this.#options.startRestoreTest({
              tenantId: test.tenantId,
              restoreTestId: test.id,
              scheduledTime: new Date(tick).toISOString(),
              trigger: 'schedule',
            });
          }
        }
      }
    }
    this.#evaluatedUntil = Math.max(toMs, fromMs);
    const { table } = this.#options.store;
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...STATE_KEY, evaluatedUntil: this.#evaluatedUntil },
      }),
    );
  }

  /**
   * The ticks whose start falls in (from, to]: the tick itself, or with a start window the tick
   * plus its fixed offset in the window (as Scheduler's flexible window starts it somewhere inside).
   */
  #startingTicks(policy: Policy, fromMs: number, toMs: number, catchingUp: boolean): number[] {
    const windowMinutes = policy.schedule.startWindowMinutes;
    if (!windowMinutes || catchingUp) return dueTicks(policy.schedule, fromMs, toMs, catchingUp);
    const windowMs = windowMinutes * 60_000;
    return dueTicks(policy.schedule, fromMs - windowMs, toMs, false).filter((tick) => {
      const startsAt = tick + startOffsetMs(policy.id, tick, windowMinutes);
      return startsAt > fromMs && startsAt <= toMs;
    });
  }

  /** Every registered tenant's enabled policies (every tenant that made a request is registered). */
  async #enabledPolicies(): Promise<Policy[]> {
    const enabled: Policy[] = [];
    for await (const { policies } of registeredTenantPolicies(this.#options.store))
      enabled.push(...policies.filter((policy) => policy.enabled));
    return enabled;
  }
}
