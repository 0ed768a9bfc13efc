import { z } from 'zod';
import type { Guest } from '#shared/domain/guest.ts';
import { batchWrite } from './batch-write.ts';
import { guestEntity } from './entities/guest.ts';
import type { Page, TableAccess } from './table-access.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

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

/** What the reconciliation sweep reads of each live guest. */
const liveGuest = z.object({ tenantId: z.string(), id: z.string() });

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

  /** Tenants that have guests, with their live guest ids (the reconciliation sweep; a Scan, never on a request path). */
  async liveGuestsByTenant(): Promise<Map<string, string[]>> {
    const byTenant = new Map<string, string[]>();
    const items = await this.#table.scanAll({
      FilterExpression: '#entity = :guest AND gone = :false',
      ExpressionAttributeNames: { '#entity': TABLE_SCHEMA.entityAttribute },
      ExpressionAttributeValues: { ':guest': guestEntity.name, ':false': false },
      ProjectionExpression: 'tenantId, id',
    });
    for (const item of items) {
      const guest = liveGuest.parse(item);
      const ids = byTenant.get(guest.tenantId) ?? [];
      ids.push(guest.id);
      byTenant.set(guest.tenantId, ids);
    }
    return byTenant;
  }
}
