import type { Guest } from '#shared/domain/guest.ts';
import { batchWrite } from './batch-write.ts';
import { keys } from './keys.ts';
import { baseKey, type Item, type Page, stripKeys, type TableAccess } from './table-access.ts';

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
    const item = await this.#table.get(keys.guest(tenantId, clusterId, vmid));
    return item ? stripKeys<Guest>(item) : undefined;
  }

  async list(tenantId: string, query: GuestQuery): Promise<Page<Guest>> {
    const accept = (item: Item) =>
      (query.includeGone || !item.gone) &&
      (query.node === undefined || item.node === query.node) &&
      (query.type === undefined || item.type === query.type) &&
      (query.tag === undefined || (item.tags as string[]).includes(query.tag)) &&
      (query.pool === undefined || item.pool === query.pool) &&
      (query.status === undefined || item.status === query.status);
    const page = await this.#table.queryPage(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.guest(tenantId, '', 0).pk,
          ':prefix': keys.guestPrefix(query.clusterId),
        },
      },
      {
        scope: `guests:${tenantId}:${JSON.stringify(query, ['clusterId', 'node', 'type', 'tag', 'pool', 'status', 'includeGone'])}`,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        keyOf: baseKey,
        accept,
      },
    );
    return { ...page, items: page.items.map((item) => stripKeys<Guest>(item)) };
  }

  /** Every stored guest of one cluster, gone ones included (for a sync). */
  async allOfCluster(tenantId: string, clusterId: string): Promise<Guest[]> {
    const items = await this.#table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.guest(tenantId, clusterId, 0).pk,
        ':prefix': keys.guestPrefix(clusterId),
      },
    });
    return items.map((item) => stripKeys<Guest>(item));
  }

  /** Writes many guest records, 25 per batch, retrying what DynamoDB leaves unprocessed (with backoff). */
  async putMany(guests: readonly Guest[]): Promise<void> {
    await batchWrite(
      this.#table.doc,
      this.#table.tableName,
      guests.map((guest) => ({
        PutRequest: {
          Item: { ...keys.guest(guest.tenantId, guest.clusterId, guest.vmid), entity: 'guest', ...guest },
        },
      })),
    );
  }
}
