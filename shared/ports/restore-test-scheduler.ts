import type { RestoreTest } from '#shared/domain/restore-test/restore-test.ts';

/** Keeps one schedule per restore test in line with it (EventBridge Scheduler in AWS; locally the tests themselves are read). */
export interface RestoreTestScheduler {
  /** Creates or replaces the test's schedule; a disabled test's schedule is disabled. */
  put(test: RestoreTest): Promise<void>;
  /** Removes the test's schedule; a missing schedule is fine. */
  remove(test: Pick<RestoreTest, 'id'>): Promise<void>;
}
