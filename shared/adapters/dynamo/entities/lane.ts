import { z } from 'zod';
import { BACKUP_COMPRESSIONS } from '#shared/domain/backup/archive-name.ts';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import type { StoredLane } from '#shared/domain/lane.ts';
import { BACKUP_MODES, POLICY_KINDS } from '#shared/domain/policy.ts';
import { defineEntity, tenantPartition } from '../entity.ts';

/** Lanes outlive the longest execution (12 h) with room for a resumed run. */
const LANE_TTL_DAYS = 14;

const laneSchema: z.ZodType<StoredLane> = z.object({
  context: z.object({
    tenantId: z.string(),
    runId: z.string(),
    policyId: z.string(),
    policyName: z.string(),
    scheduledTime: z.string(),
    clusterId: z.string(),
    snapshotName: z.string(),
    description: z.string(),
    // Lanes stored before backups were snapshot lanes.
    kind: z.enum(POLICY_KINDS).default('snapshot'),
    vzdump: z
      .object({
        type: z.literal('vzdump'),
        storage: z.string(),
        mode: z.enum(BACKUP_MODES),
        compress: z.enum(BACKUP_COMPRESSIONS),
        protected: z.boolean(),
        notesTemplate: z.string().optional(),
        bwlimit: z.number().optional(),
      })
      .nullable()
      .default(null),
    pruneOnly: z.boolean(),
    pruneBy: z.string(),
    // Lanes stored before agents followed tasks were polled.
    followTasks: z.boolean().default(false),
    // Lanes stored before hooks had none.
    hooks: z.boolean().default(false),
  }),
  perNode: z.number(),
  guests: z.array(
    z.object({
      guestId: z.string(),
      node: z.string(),
      guestType: z.enum(GUEST_TYPES),
      vmid: z.number(),
      vmstate: z.boolean(),
    }),
  ),
});

/** One lane of a run (or of a sweep): its guests and what they share, loaded by the lane's first step. */
export const laneEntity = defineEntity({
  name: 'lane',
  schema: laneSchema,
  key: (lane: { tenantId: string; laneSetId: string; index: number }) => ({
    pk: tenantPartition(lane.tenantId),
    sk: `LANE#${lane.laneSetId}#${String(lane.index).padStart(4, '0')}`,
  }),
  ttl: (_lane, lifetimes) => lifetimes.nowSeconds + LANE_TTL_DAYS * 86_400,
});
