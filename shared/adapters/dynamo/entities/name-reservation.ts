import { z } from 'zod';
import { defineEntity, tenantPartition } from '../entity.ts';

/** Who holds a name. */
interface NameReservation {
  readonly ownerId: string;
}

const reservationSchema: z.ZodType<NameReservation> = z.object({ ownerId: z.string() });

/**
 * The reservation of a name within a tenant (names compare case-insensitively), written in the
 * same transaction as the entity that takes it: entity `<kind>-name`, sort key `<PREFIX>#<lower-case name>`.
 */
export const defineNameReservation = (kind: string, skPrefix: string) =>
  defineEntity({
    name: `${kind}-name`,
    schema: reservationSchema,
    key: (name: { tenantId: string; name: string }) => ({
      pk: tenantPartition(name.tenantId),
      sk: `${skPrefix}#${name.name.toLowerCase()}`,
    }),
  });

export type NameReservationEntity = ReturnType<typeof defineNameReservation>;
