import { z } from 'zod';
import { RECOVERY_KINDS, type RecoveryKind } from '#shared/domain/insight/policy-kind.ts';
import { RPO_STATES, type RpoState } from '#shared/domain/insight/rpo.ts';
import { byIdInTenant, defineEntity } from '../entity.ts';

/**
 * An open RPO breach of one guest for one kind of recovery point: written once `rpo.breached` is
 * published, deleted once `rpo.recovered` is, so each episode notifies once each way.
 */
export interface RpoEpisode {
  readonly tenantId: string;
  /** `<guestId>#<kind>`. */
  readonly id: string;
  readonly guestId: string;
  readonly kind: RecoveryKind;
  /** When the breach began (derived from the data, the same on every check: the event's subject). */
  readonly breachedAt: string;
  readonly state: RpoState;
  readonly notifiedAt: string;
}

const rpoEpisodeSchema: z.ZodType<RpoEpisode> = z.object({
  tenantId: z.string(),
  id: z.string(),
  guestId: z.string(),
  kind: z.enum(RECOVERY_KINDS),
  breachedAt: z.string(),
  state: z.enum(RPO_STATES),
  notifiedAt: z.string(),
});

/** In the tenant's partition: a check reads every open episode of a tenant with one Query. */
export const rpoEpisodeEntity = defineEntity({
  name: 'rpo-episode',
  schema: rpoEpisodeSchema,
  ...byIdInTenant('RPO'),
});

export const rpoEpisodeId = (guestId: string, kind: RecoveryKind) => `${guestId}#${kind}`;
