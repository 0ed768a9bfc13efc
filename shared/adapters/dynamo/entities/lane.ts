import { z } from 'zod';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import type { StoredLane } from '#shared/domain/lane.ts';
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
    pruneOnly: z.boolean(),
    pruneBy: z.string(),
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
