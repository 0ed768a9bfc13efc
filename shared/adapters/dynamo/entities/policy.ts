import { z } from 'zod';
import { PolicyHooksSchema } from '#shared/domain/hooks/hook-spec.ts';
import { BACKUP_COMPRESS, BACKUP_MODES, POLICY_KINDS, type Policy } from '#shared/domain/policy.ts';
import { byIdInTenant, defineEntity } from '../entity.ts';
import { defineNameReservation } from './name-reservation.ts';

const strings = z.array(z.string());
const count = z.number().optional();

const policySchema: z.ZodType<Policy> = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  schedule: z.object({
    cron: z.string(),
    timezone: z.string(),
    missedRuns: z.enum(['skip', 'run-once']),
    startWindowMinutes: z.number().int().optional(),
  }),
  kind: z.enum(POLICY_KINDS).optional(),
  snapshot: z.object({ includeMemory: z.boolean(), quiesce: z.boolean(), namePrefix: z.string() }),
  backup: z
    .object({
      storage: z.string(),
      mode: z.enum(BACKUP_MODES),
      compress: z.enum(BACKUP_COMPRESS),
      notesTemplate: z.string().optional(),
      protected: z.boolean(),
      bwlimitKiBps: z.number().optional(),
      copyOf: z.string().optional(),
      pruneBeforeBackup: z.boolean().optional(),
    })
    .optional(),
  retention: z.object({
    keepLast: count,
    keepHourly: count,
    keepDaily: count,
    keepWeekly: count,
    keepMonthly: count,
    keepYearly: count,
    keepWithinDays: count,
    maxAgeDays: count,
  }),
  selector: z.object({
    guests: strings,
    tags: strings,
    pools: strings,
    nodes: strings,
    all: z.boolean(),
    exclude: z.object({ guests: strings, tags: strings }),
  }),
  notify: z.object({ onSuccess: z.boolean(), onFailure: z.boolean() }),
  concurrency: z.object({ perNode: z.number().optional() }),
  rpo: z.number().optional(),
  storageGuard: z
    .object({
      thresholdPercent: z.number().optional(),
      storages: z.record(z.string(), z.number()).optional(),
    })
    .optional(),
  hooks: PolicyHooksSchema.optional(),
  schedulerExpression: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});

/** A snapshot or backup policy, with the `schedulerExpression` derived from its cron; `version` for optimistic updates. */
export const policyEntity = defineEntity({
  name: 'policy',
  schema: policySchema,
  ...byIdInTenant('POLICY'),
});

export const policyNameEntity = defineNameReservation('policy', 'POLICYNAME');
