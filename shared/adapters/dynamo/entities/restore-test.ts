import { z } from 'zod';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import {
  RESTORE_TEST_PHASES,
  RESTORE_TEST_RUN_STATUSES,
  RESTORE_TEST_SOURCES,
  type RestoreTest,
  type RestoreTestRun,
} from '#shared/domain/restore-test/restore-test.ts';
import { byIdInTenant, daysAfter, defineEntity } from '../entity.ts';
import { defineNameReservation } from './name-reservation.ts';

const strings = z.array(z.string());

const restoreTestSchema: z.ZodType<RestoreTest> = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  schedule: z.object({ cron: z.string(), timezone: z.string() }),
  source: z.enum(RESTORE_TEST_SOURCES),
  selector: z.object({
    guests: strings,
    tags: strings,
    pools: strings,
    nodes: strings,
    all: z.boolean(),
    exclude: z.object({ guests: strings, tags: strings }),
  }),
  sample: z.number().int().optional(),
  target: z.object({ node: z.string().optional(), storage: z.string().optional() }),
  bootTimeoutSeconds: z.number().int(),
  schedulerExpression: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});

/** A restore-test policy: what to prove, on its own schedule; `version` for optimistic updates. */
export const restoreTestEntity = defineEntity({
  name: 'restore-test',
  schema: restoreTestSchema,
  ...byIdInTenant('RESTORETEST'),
});

export const restoreTestNameEntity = defineNameReservation('restore-test', 'RESTORETESTNAME');

const point = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot'), name: z.string(), createdAt: z.string() }),
  z.object({
    kind: z.literal('backup'),
    backupId: z.string(),
    volid: z.string(),
    storage: z.string(),
    createdAt: z.string(),
  }),
]);

const item = z.object({
  guestId: z.string(),
  clusterId: z.string(),
  guestName: z.string(),
  guestType: z.enum(GUEST_TYPES),
  node: z.string(),
  vmid: z.number(),
  point: point.optional(),
  phase: z.enum(RESTORE_TEST_PHASES),
  testVmid: z.number().optional(),
  testNode: z.string().optional(),
  upid: z.string().optional(),
  startedAt: z.string().optional(),
  restoredAt: z.string().optional(),
  bootStartedAt: z.string().optional(),
  looksLeft: z.number().optional(),
  aliveAt: z.string().optional(),
  outcome: z.enum(['succeeded', 'failed']).optional(),
  reason: z.string().optional(),
  checkOutput: z.string().optional(),
  isolation: z.record(z.string(), z.string()).optional(),
  restoreSeconds: z.number().optional(),
  bootSeconds: z.number().optional(),
  destroyed: z.boolean().optional(),
  destroyError: z.string().optional(),
  endedAt: z.string().optional(),
});

const restoreTestRunSchema: z.ZodType<RestoreTestRun> = z.object({
  id: z.string(),
  tenantId: z.string(),
  testId: z.string(),
  testName: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  scheduledTime: z.string(),
  status: z.enum(RESTORE_TEST_RUN_STATUSES),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  items: z.array(item).optional(),
  leftoversRemoved: z.array(z.number()).optional(),
  reason: z.string().optional(),
});

/**
 * One run of a restore test with every guest's progress and result (at most ten guests, so one
 * item). Ids sort by time: a tenant's newest first by querying backwards.
 */
export const restoreTestRunEntity = defineEntity({
  name: 'restore-test-run',
  schema: restoreTestRunSchema,
  ...byIdInTenant('RESTORETESTRUN'),
  ttl: (run, lifetimes) => daysAfter(run.startedAt, lifetimes.historyDays),
});
