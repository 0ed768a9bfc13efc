import { NotFoundError } from '#shared/domain/errors.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import { keys } from './keys.ts';
import {
  baseKey,
  ConditionFailed,
  type Item,
  type Page,
  stripKeys,
  type TableAccess,
  type TransactItem,
} from './table-access.ts';

/** Exclusions; one with an expiry carries it as the item's TTL, so DynamoDB removes it later. */
export class ExclusionStore {
  private readonly table: TableAccess;

  constructor(table: TableAccess) {
    this.table = table;
  }

  async get(tenantId: string, id: string): Promise<Exclusion | undefined> {
    const item = await this.table.get(keys.exclusion(tenantId, id));
    return item ? stripKeys<Exclusion>(item) : undefined;
  }

  async list(
    tenantId: string,
    query: { guestId?: string; policyId?: string; limit: number; cursor?: string },
  ): Promise<Page<Exclusion>> {
    const filtered = query.guestId !== undefined || query.policyId !== undefined;
    const accept = (item: Item) =>
      (query.guestId === undefined || item.guestId === query.guestId) &&
      (query.policyId === undefined || item.policyId === query.policyId);
    const page = await this.table.queryPage(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': keys.exclusion(tenantId, '').pk,
          ':prefix': keys.exclusionPrefix(),
        },
      },
      {
        scope: `exclusions:${tenantId}:${query.guestId ?? ''}:${query.policyId ?? ''}`,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        keyOf: baseKey,
        ...(filtered ? { accept } : {}),
      },
    );
    return { ...page, items: page.items.map((item) => stripKeys<Exclusion>(item)) };
  }

  async create(exclusion: Exclusion, extra: TransactItem[]): Promise<void> {
    const ttl = exclusion.expiresAt ? Math.floor(Date.parse(exclusion.expiresAt) / 1000) : undefined;
    await this.table.transact([
      this.table.put(
        { ...keys.exclusion(exclusion.tenantId, exclusion.id), entity: 'exclusion', ...exclusion, ttl },
        'attribute_not_exists(pk)',
      ),
      ...extra,
    ]);
  }

  async remove(exclusion: Exclusion, extra: TransactItem[]): Promise<void> {
    try {
      await this.table.transact([
        this.table.delete(keys.exclusion(exclusion.tenantId, exclusion.id), 'attribute_exists(pk)'),
        ...extra,
      ]);
    } catch (error) {
      if (error instanceof ConditionFailed) throw new NotFoundError('exclusion', exclusion.id);
      throw error;
    }
  }
}
