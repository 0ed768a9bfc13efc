import { z } from 'zod';
import type { Policy } from '#shared/domain/policy.ts';
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
  snapshot: z.object({ includeMemory: z.boolean(), quiesce: z.boolean(), namePrefix: z.string() }),
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
  concurrency: z.object({ perNode: z.number() }),
  rpo: z.number().optional(),
  schedulerExpression: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});

/** A snapshot policy, with the `schedulerExpression` derived from its cron; `version` for optimistic updates. */
export const policyEntity = defineEntity({
  name: 'policy',
  schema: policySchema,
  ...byIdInTenant('POLICY'),
});

export const policyNameEntity = defineNameReservation('policy', 'POLICYNAME');
