import { z } from 'zod';
import { GUEST_TYPES, type Guest } from '#shared/domain/guest.ts';
import { defineEntity, tenantPartition } from '../entity.ts';

const guestSchema: z.ZodType<Guest> = z.object({
  id: z.string(),
  tenantId: z.string(),
  clusterId: z.string(),
  vmid: z.number(),
  type: z.enum(GUEST_TYPES),
  node: z.string(),
  name: z.string(),
  status: z.string(),
  template: z.boolean(),
  tags: z.array(z.string()),
  pool: z.string().optional(),
  lock: z.string().optional(),
  lockSince: z.string().optional(),
  gone: z.boolean(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  goneAt: z.string().optional(),
});

/** Proxmox's 9-digit vmid, zero-padded so guests sort by vmid within a cluster. */
const vmidKey = (vmid: number) => String(vmid).padStart(9, '0');

/** A guest from `/cluster/resources`; `gone: true` once it disappears (never deleted). */
export const guestEntity = defineEntity({
  name: 'guest',
  schema: guestSchema,
  key: (guest: { tenantId: string; clusterId: string; vmid: number }) => ({
    pk: tenantPartition(guest.tenantId),
    sk: `GUEST#${guest.clusterId}#${vmidKey(guest.vmid)}`,
  }),
  /** A tenant's guests, or one cluster's. */
  collection: (guests: { tenantId: string; clusterId?: string | undefined }) => ({
    pk: tenantPartition(guests.tenantId),
    skPrefix: guests.clusterId ? `GUEST#${guests.clusterId}#` : 'GUEST#',
  }),
});
