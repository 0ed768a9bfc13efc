import { NotFoundError } from '#shared/domain/errors.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { LaneRef, StoredLane } from './work-item.ts';

/** First step of a lane: its guests and what they share, from the table (see {@link StoredLane}). */
export async function loadLane(deps: ServiceDeps, ref: LaneRef): Promise<StoredLane> {
  const lane = await deps.store.lanes.get(ref.tenantId, ref.laneSetId, ref.index);
  if (!lane) throw new NotFoundError('lane', `${ref.laneSetId}/${ref.index}`);
  return lane;
}
