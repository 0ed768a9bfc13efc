import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredLane } from '#shared/domain/lane.ts';
import { keys } from './keys.ts';
import { stripKeys, type TableAccess } from './table-access.ts';

/** Lanes outlive the longest execution (12 h) with room for a resumed run. */
const LANE_TTL_DAYS = 14;

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
    await this.#table.doc.send(
      new PutCommand({
        TableName: this.#table.tableName,
        Item: {
          ...keys.lane(tenantId, laneSetId, index),
          entity: 'lane',
          ...lane,
          ttl: this.#table.nowEpochSeconds() + LANE_TTL_DAYS * 86_400,
        },
      }),
    );
  }

  async get(tenantId: string, laneSetId: string, index: number): Promise<StoredLane | undefined> {
    const item = await this.#table.get(keys.lane(tenantId, laneSetId, index));
    return item ? stripKeys<StoredLane>(item) : undefined;
  }
}
