import { NotFoundError } from '#shared/domain/errors.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import { exclusionEntity } from './entities/exclusion.ts';
import { ConditionFailed, type Page, type TableAccess, type TransactItem } from './table-access.ts';

/** Exclusions; one with an expiry carries it as the item's TTL, so DynamoDB removes it later. */
export class ExclusionStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async get(tenantId: string, id: string): Promise<Exclusion | undefined> {
    return await this.#table.get(exclusionEntity.key({ tenantId, id }), exclusionEntity.parse);
  }

  async list(
    tenantId: string,
    query: { guestId?: string; policyId?: string; limit: number; cursor?: string },
  ): Promise<Page<Exclusion>> {
    const filtered = query.guestId !== undefined || query.policyId !== undefined;
    const accept = (exclusion: Exclusion) =>
      (query.guestId === undefined || exclusion.guestId === query.guestId) &&
      (query.policyId === undefined || exclusion.policyId === query.policyId);
    return await this.#table.queryPage(exclusionEntity.query({ tenantId }), {
      scope: `exclusions:${tenantId}:${query.guestId ?? ''}:${query.policyId ?? ''}`,
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      parse: exclusionEntity.parse,
      ...(filtered ? { accept } : {}),
    });
  }

  async create(exclusion: Exclusion, extra: TransactItem[]): Promise<void> {
    await this.#table.transact([
      this.#table.put(
        exclusionEntity.item(exclusion, { lifetimes: this.#table.lifetimes() }),
        'attribute_not_exists(pk)',
      ),
      ...extra,
    ]);
  }

  async remove(exclusion: Exclusion, extra: TransactItem[]): Promise<void> {
    try {
      await this.#table.transact([
        this.#table.delete(exclusionEntity.key(exclusion), 'attribute_exists(pk)'),
        ...extra,
      ]);
    } catch (error) {
      if (error instanceof ConditionFailed) throw new NotFoundError('exclusion', exclusion.id);
      throw error;
    }
  }
}
