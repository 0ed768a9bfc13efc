import type { Guest } from '#shared/domain/guest.ts';
import { batchWrite } from './batch-write.ts';
import { guestEntity } from './entities/guest.ts';
import type { Page, TableAccess } from './table-access.ts';

export interface GuestQuery {
  readonly clusterId?: string;
  readonly node?: string;
  readonly type?: string;
  readonly tag?: string;
  readonly pool?: string;
  readonly status?: string;
  /** Include guests that disappeared from their cluster. Default false. */
  readonly includeGone?: boolean;
  readonly limit: number;
  readonly cursor?: string;
}

/** The guest inventory, one item per guest, sorted by cluster then vmid. */
export class GuestStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async get(tenantId: string, clusterId: string, vmid: number): Promise<Guest | undefined> {
    return await this.#table.get(guestEntity.key({ tenantId, clusterId, vmid }), guestEntity.parse);
  }

  async list(tenantId: string, query: GuestQuery): Promise<Page<Guest>> {
    const accept = (guest: Guest) =>
      (query.includeGone || !guest.gone) &&
      (query.node === undefined || guest.node === query.node) &&
      (query.type === undefined || guest.type === query.type) &&
      (query.tag === undefined || guest.tags.includes(query.tag)) &&
      (query.pool === undefined || guest.pool === query.pool) &&
      (query.status === undefined || guest.status === query.status);
    return await this.#table.queryPage(guestEntity.query({ tenantId, clusterId: query.clusterId }), {
      scope: `guests:${tenantId}:${JSON.stringify(query, ['clusterId', 'node', 'type', 'tag', 'pool', 'status', 'includeGone'])}`,
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      parse: guestEntity.parse,
      accept,
    });
  }

  /** Every stored guest of one cluster, gone ones included (for a sync). */
  async allOfCluster(tenantId: string, clusterId: string): Promise<Guest[]> {
    return await this.#table.queryAll(guestEntity.query({ tenantId, clusterId }), guestEntity.parse);
  }

  /** Writes many guest records, 25 per batch, retrying what DynamoDB leaves unprocessed (with backoff). */
  async putMany(guests: readonly Guest[]): Promise<void> {
    await batchWrite(
      this.#table.doc,
      this.#table.tableName,
      guests.map((guest) => ({ PutRequest: { Item: guestEntity.item(guest) } })),
    );
  }
}
