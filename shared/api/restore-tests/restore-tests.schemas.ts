import { z } from '@hono/zod-openapi';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import {
  MAX_GUESTS_PER_RUN,
  RESTORE_TEST_PHASES,
  RESTORE_TEST_RUN_STATUSES,
  RESTORE_TEST_SOURCES,
} from '#shared/domain/restore-test/restore-test.ts';
import { ScheduleSchema, SelectorSchema } from '../policies/policies.schemas.ts';
import { safeText } from '../schemas.ts';

const NODE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const STORAGE_ID = /^[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]$/;

/** A restore test as clients write it (POST body; a PATCH is merged into the stored spec, then checked against this). */
export const RestoreTestSpecSchema = z
  .strictObject({
    name: safeText(z.string().trim().min(1).max(100)),
    description: safeText(z.string().max(2000)).default(''),
    enabled: z.boolean().default(true),
    schedule: z.strictObject({ cron: ScheduleSchema.shape.cron, timezone: ScheduleSchema.shape.timezone }),
    source: z.enum(RESTORE_TEST_SOURCES).default('snapshot').openapi({
      description:
        "'snapshot': clone the guest's newest good snapshot; 'backup': restore its newest backup archive",
    }),
    selector: SelectorSchema,
    sample: z
      .number()
      .int()
      .min(1)
      .max(MAX_GUESTS_PER_RUN)
      .optional()
      .openapi({
        description: `Test a random sample of this many selected guests per run (default: all selected, at most ${MAX_GUESTS_PER_RUN}, a random ${MAX_GUESTS_PER_RUN} when more)`,
      }),
    target: z
      .strictObject({
        node: z.string().max(63).regex(NODE, 'must be a node name').optional().openapi({
          description: "Node of the test guest (default: the guest's own; another node needs shared storage)",
        }),
        storage: z.string().max(100).regex(STORAGE_ID, 'must be a Proxmox storage id').optional().openapi({
          description: "Storage of the test guest's disks (default: as the clone or the archive has it)",
        }),
      })
      .prefault({}),
    bootTimeoutSeconds: z.number().int().min(30).max(3600).default(300).openapi({
      description: 'How long a started test guest has to show a proof of life',
    }),
  })
  .openapi('RestoreTestSpec');

export const RestoreTestSchema = RestoreTestSpecSchema.extend({
  id: z.string(),
  schedulerExpression: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
}).openapi('RestoreTest');

export const RestoreTestPatchSchema = z.record(z.string(), z.unknown()).openapi('RestoreTestPatch', {
  description: 'JSON Merge Patch of a RestoreTestSpec; the merged result must be a valid RestoreTestSpec',
  example: { sample: 2 },
});

const PointSchema = z.union([
  z.object({ kind: z.literal('snapshot'), name: z.string(), createdAt: z.string() }),
  z.object({
    kind: z.literal('backup'),
    backupId: z.string(),
    volid: z.string(),
    storage: z.string(),
    createdAt: z.string(),
  }),
]);

const ItemSchema = z
  .object({
    guestId: z.string(),
    clusterId: z.string(),
    guestName: z.string(),
    guestType: z.enum(GUEST_TYPES),
    node: z.string(),
    vmid: z.number().int(),
    point: PointSchema.optional().openapi({ description: 'The recovery point tested' }),
    phase: z.enum(RESTORE_TEST_PHASES),
    testVmid: z.number().int().optional().openapi({ description: 'The isolated test guest' }),
    testNode: z.string().optional(),
    upid: z.string().optional(),
    startedAt: z.string().optional(),
    restoredAt: z.string().optional(),
    bootStartedAt: z.string().optional(),
    looksLeft: z.number().int().optional(),
    aliveAt: z.string().optional(),
    outcome: z.enum(['succeeded', 'failed']).optional(),
    reason: z
      .string()
      .optional()
      .openapi({ description: 'Why the test failed (Proxmox\u2019s text, or the missing proof of life)' }),
    checkOutput: z.string().optional().openapi({ description: 'What the proof of life answered' }),
    isolation: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: 'The network devices as written before the start, each with link_down=1' }),
    restoreSeconds: z.number().optional(),
    bootSeconds: z.number().optional(),
    destroyed: z.boolean().optional(),
    destroyError: z.string().optional(),
    endedAt: z.string().optional(),
  })
  .openapi('RestoreTestItem');

export const RestoreTestRunSchema = z
  .object({
    id: z.string(),
    testId: z.string(),
    testName: z.string(),
    trigger: z.enum(['schedule', 'manual']),
    scheduledTime: z.string(),
    status: z.enum(RESTORE_TEST_RUN_STATUSES),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    items: z.array(ItemSchema).optional(),
    leftoversRemoved: z
      .array(z.number().int())
      .optional()
      .openapi({ description: 'Test guests of earlier runs this run found and destroyed first' }),
    reason: z.string().optional(),
  })
  .openapi('RestoreTestRun');
