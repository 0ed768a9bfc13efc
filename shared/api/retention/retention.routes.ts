import { createRoute, z } from '@hono/zod-openapi';
import { RETENTION_REASONS } from '#shared/domain/retention.ts';
import { isIanaTimeZone, spellTimeZone } from '#shared/domain/time-zone.ts';
import { RetentionSchema } from '../policies/policies.schemas.ts';
import { commonErrors, json, requires } from '../schemas.ts';

const MAX_SIMULATED_SNAPSHOTS = 10_000;

const SimulateRequestSchema = z
  .strictObject({
    retention: RetentionSchema,
    timezone: z
      .string()
      .overwrite(spellTimeZone)
      .default('UTC')
      .refine(isIanaTimeZone, {
        message: 'must be an IANA time zone name (e.g. Europe/Berlin, UTC)',
        params: { rule: 'timezone.iana' },
      }),
    snapshots: z
      .array(
        z.strictObject({
          id: z.string().min(1).max(200),
          time: z.iso.datetime({ offset: true }),
          protected: z.boolean().optional(),
          storage: z.string().min(1).max(100).optional().openapi({
            description:
              'An archive\u2019s storage: archives are decided per guest and storage, as a backup policy\u2019s retention does (protected ones kept, the newest of each guest and storage never pruned)',
          }),
          guestId: z.string().min(1).max(200).optional().openapi({
            description: 'The guest an archive is of: archives of different guests are decided apart',
          }),
          external: z.boolean().optional().openapi({
            description: 'Made outside the service: never a candidate (kept, reason `external`)',
          }),
        }),
      )
      .max(MAX_SIMULATED_SNAPSHOTS),
  })
  .openapi('RetentionSimulation');

const DecisionSchema = z.object({
  id: z.string(),
  time: z.string(),
  keep: z.boolean(),
  reason: z.enum(RETENTION_REASONS),
  storage: z.string().optional(),
  guestId: z.string().optional(),
});

export const simulateRoute = createRoute({
  method: 'post',
  path: '/v1/retention/simulate',
  tags: ['Retention'],
  summary: 'What a retention rule keeps of a list of snapshot (or archive) times, and why (changes nothing)',
  ...requires('viewer', 'retention.simulate'),
  request: { body: { content: json(SimulateRequestSchema), required: true } },
  responses: {
    200: {
      description: 'Every snapshot, newest first, with whether it is kept and the rule that decided',
      content: json(z.object({ snapshots: z.array(DecisionSchema) }).openapi('RetentionSimulationResult')),
    },
    ...commonErrors,
  },
});
