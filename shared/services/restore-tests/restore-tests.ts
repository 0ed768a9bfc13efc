import { createHash } from 'node:crypto';
import type { AuditContext } from '#shared/domain/audit.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import {
  checkRestoreTestSpec,
  type RestoreTest,
  type RestoreTestRun,
  type RestoreTestSpec,
} from '#shared/domain/restore-test/restore-test.ts';
import type { RestoreTestScheduler } from '#shared/ports/restore-test-scheduler.ts';
import type { RestoreTestRunInput, WorkflowStarter } from '#shared/ports/workflow-starter.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import { checkFeature } from '../plans/plan-checks.ts';
import { scheduledResources } from '../scheduled-resources.ts';
import type { ServiceDeps } from '../service-deps.ts';

export interface RestoreTestDeps extends ServiceDeps {
  readonly restoreTestSchedules: RestoreTestScheduler;
}

export type RestoreTestView = Omit<RestoreTest, 'tenantId'>;
export const restoreTestView = ({ tenantId: _tenantId, ...test }: RestoreTest): RestoreTestView => test;
export type RestoreTestRunView = Omit<RestoreTestRun, 'tenantId'>;
export const restoreTestRunView = ({ tenantId: _tenantId, ...run }: RestoreTestRun): RestoreTestRunView =>
  run;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A scheduled tick's run id, derived from test and tick: a re-delivered tick finds its run. */
export function restoreTestRunIdFor(testId: string, scheduledTime: string): string {
  const digest = createHash('sha256').update(`${testId}\n${scheduledTime}`).digest();
  let id = '';
  for (let index = 0; index < 26; index++) id += CROCKFORD.charAt((digest[index] ?? 0) % 32);
  return `rtr_${id}`;
}

const specOf = ({
  id: _i,
  tenantId: _t,
  schedulerExpression: _s,
  createdAt: _c,
  updatedAt: _u,
  version: _v,
  ...spec
}: RestoreTest): RestoreTestSpec => spec;

const restoreTests = scheduledResources<RestoreTestSpec, RestoreTestDeps>({
  noun: 'restore test',
  resourceType: 'restore-test',
  idPrefix: 'rt',
  records: (deps) => deps.store.restoreTests,
  schedules: (deps) => deps.restoreTestSchedules,
  check: checkRestoreTestSpec,
  specOf,
  view: restoreTestView,
  trustStoredGuests: false,
  beforeCreate: (deps, tenantId) => checkFeature(deps, tenantId, 'restoreTests'),
});

export function getRestoreTest(deps: ServiceDeps, tenantId: string, id: string): Promise<RestoreTest> {
  return restoreTests.get(deps, tenantId, id);
}

export async function getRestoreTestRun(
  deps: ServiceDeps,
  tenantId: string,
  id: string,
): Promise<RestoreTestRun> {
  const run = await deps.store.restoreTestRuns.get(tenantId, id);
  if (!run) throw new NotFoundError('restore-test run', id);
  return run;
}

export function createRestoreTest(
  deps: RestoreTestDeps,
  context: AuditContext,
  input: RestoreTestSpec,
): Promise<RestoreTest> {
  return restoreTests.create(deps, context, input);
}

/** Updates a restore test with the spec `build` makes of the stored one (validated there); If-Match optional. */
export function updateRestoreTest(
  deps: RestoreTestDeps,
  context: AuditContext,
  id: string,
  build: (current: RestoreTestSpec) => RestoreTestSpec,
  expectedVersion?: number,
): Promise<RestoreTest> {
  return restoreTests.update(deps, context, id, build, expectedVersion);
}

export function deleteRestoreTest(
  deps: RestoreTestDeps,
  context: AuditContext,
  id: string,
  expectedVersion?: number,
): Promise<void> {
  return restoreTests.remove(deps, context, id, expectedVersion);
}

/**
 * Creates the run of a tick (or of a "run now", under its own id) unless it exists: a second
 * start of the same tick finds the run and adds nothing. Answers the run as stored.
 */
export async function claimRestoreTestRun(
  deps: ServiceDeps,
  input: RestoreTestRunInput,
): Promise<RestoreTestRun | undefined> {
  const id = input.runId ?? restoreTestRunIdFor(input.restoreTestId, input.scheduledTime);
  const existing = await deps.store.restoreTestRuns.get(input.tenantId, id);
  if (existing) return existing;
  const test = await deps.store.restoreTests.get(input.tenantId, input.restoreTestId);
  if (!test || (input.trigger === 'schedule' && !test.enabled)) return undefined;
  const run: RestoreTestRun = {
    id,
    tenantId: input.tenantId,
    testId: test.id,
    testName: test.name,
    trigger: input.trigger,
    scheduledTime: input.scheduledTime,
    status: 'running',
    startedAt: new Date(deps.now()).toISOString(),
  };
  await deps.store.restoreTestRuns.create(run);
  return (await deps.store.restoreTestRuns.get(input.tenantId, id)) ?? run;
}

/** "Run now": the run is recorded and audited, then its workflow started (a start that fails ends it failed). */
export async function runRestoreTestNow(
  deps: ServiceDeps & { readonly workflows: WorkflowStarter },
  context: AuditContext,
  id: string,
): Promise<RestoreTestRun> {
  const facts = { action: 'restore-test.run', resourceType: 'restore-test', resourceId: id };
  await authorize(deps, context, 'operate', facts);
  const test = await getRestoreTest(deps, context.principal.tenantId, id);
  const input: RestoreTestRunInput = {
    tenantId: test.tenantId,
    restoreTestId: test.id,
    scheduledTime: new Date(deps.now()).toISOString(),
    trigger: 'manual',
    runId: deps.ids.next('rtr'),
  };
  const run = await claimRestoreTestRun(deps, input);
  if (!run) throw new NotFoundError('restore test', id);
  await deps.store.audit.record(auditEvent(deps, context, { ...facts, after: { runId: run.id } }));
  try {
    await deps.workflows.startRestoreTest(run.id, input);
  } catch (error) {
    await deps.store.restoreTestRuns.save({
      ...run,
      status: 'failed',
      endedAt: new Date(deps.now()).toISOString(),
      reason: `the workflow did not start: ${(error as Error).message}`,
    });
    throw error;
  }
  return run;
}
