import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { RestoreTest } from '#shared/domain/restore-test/restore-test.ts';
import type { RestoreTestScheduler } from '#shared/ports/restore-test-scheduler.ts';
import {
  type EventBridgeSchedulerSettings,
  putSchedule,
  removeSchedule,
} from './eventbridge-policy-scheduler.ts';

/** Beside the policies' `policy-…` schedules in the same group; ids are unique, names at most 64. */
const scheduleNameOf = (test: Pick<RestoreTest, 'id'>) => `restore-test-${test.id}`;

/**
 * One EventBridge Scheduler schedule per restore test, targeting the restore-test state machine
 * (`targetArn`) with the tenant, the test and Scheduler's scheduled time.
 */
export class EventBridgeRestoreTestScheduler implements RestoreTestScheduler {
  readonly #client: SchedulerClient;
  readonly #settings: EventBridgeSchedulerSettings;

  constructor(client: SchedulerClient, settings: EventBridgeSchedulerSettings) {
    this.#client = client;
    this.#settings = settings;
  }

  async put(test: RestoreTest): Promise<void> {
    await putSchedule(this.#client, this.#settings, {
      name: scheduleNameOf(test),
      description: `${test.tenantId}: restore test ${test.name}`,
      expression: test.schedulerExpression,
      timezone: test.schedule.timezone,
      enabled: test.enabled,
      input: {
        tenantId: test.tenantId,
        restoreTestId: test.id,
        scheduledTime: '<aws.scheduler.scheduled-time>',
        trigger: 'schedule',
      },
    });
  }

  async remove(test: Pick<RestoreTest, 'id'>): Promise<void> {
    await removeSchedule(this.#client, this.#settings.groupName, scheduleNameOf(test));
  }
}
