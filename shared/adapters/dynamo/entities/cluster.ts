import { z } from 'zod';
import { CLUSTER_CONNECTION_MODES, type Cluster } from '#shared/domain/cluster.ts';
import { byIdInTenant, defineEntity } from '../entity.ts';
import { defineNameReservation } from './name-reservation.ts';

const clusterSchema: z.ZodType<Cluster> = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  // Direct clusters only: an agent cluster's agent holds its URL and token.
  url: z.string().optional(),
  tokenId: z.string().optional(),
  secretRef: z.string().optional(),
  fingerprint: z.string().optional(),
  caCertificate: z.string().optional(),
  connection: z.enum(CLUSTER_CONNECTION_MODES).optional(),
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
