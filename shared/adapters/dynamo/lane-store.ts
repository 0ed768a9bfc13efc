import type { StoredLane } from '#shared/domain/lane.ts';
import { laneEntity } from './entities/lane.ts';
import type { TableAccess } from './table-access.ts';

/**
 * The guests of each lane of a run (or of a sweep's prune-only lane). The state machines carry
 * only `{tenantId, laneSetId, index}`; the lane loads its guests from here.
 */
export class LaneStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async put(tenantId: string, laneSetId: string, index: number, lane: StoredLane): Promise<void> {
    await this.#table.write(
      laneEntity.item(lane, { key: { tenantId, laneSetId, index }, lifetimes: this.#table.lifetimes() }),
    );
  }

  async get(tenantId: string, laneSetId: string, index: number): Promise<StoredLane | undefined> {
    return await this.#table.get(laneEntity.key({ tenantId, laneSetId, index }), laneEntity.parse);
  }
}
