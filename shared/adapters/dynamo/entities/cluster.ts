import { z } from 'zod';
import type { Cluster } from '#shared/domain/cluster.ts';
import { byIdInTenant, defineEntity } from '../entity.ts';
import { defineNameReservation } from './name-reservation.ts';

const clusterSchema: z.ZodType<Cluster> = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  url: z.string(),
  tokenId: z.string(),
  secretRef: z.string(),
  fingerprint: z.string().optional(),
  caCertificate: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});

/** A registered Proxmox cluster (its token secret only as `secretRef`); `version` for optimistic updates. */
export const clusterEntity = defineEntity({
  name: 'cluster',
  schema: clusterSchema,
  ...byIdInTenant('CLUSTER'),
});

export const clusterNameEntity = defineNameReservation('cluster', 'CLUSTERNAME');
