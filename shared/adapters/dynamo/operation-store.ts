import type { Operation, OperationKind, OperationStatus } from '#shared/domain/operation.ts';
import { operationEntity } from './entities/operation.ts';
import { IS_NEW, type Page, type TableAccess } from './table-access.ts';

export interface OperationQuery {
  readonly guestId?: string;
  readonly kind?: OperationKind;
  readonly status?: OperationStatus;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Guest operations (manual snapshot, delete, restore), newest first by id (ids sort by
 * creation time); a guest's own through the byResource index.
 */
export class OperationStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async create(operation: Operation): Promise<void> {
    await this.#table.write(operationEntity.item(operation, { lifetimes: this.#table.lifetimes() }), IS_NEW);
  }

  async get(tenantId: string, operationId: string): Promise<Operation | undefined> {
    return await this.#table.get(operationEntity.key({ tenantId, id: operationId }), operationEntity.parse);
  }

  async list(tenantId: string, query: OperationQuery): Promise<Page<Operation>> {
    const accept = (operation: Operation) =>
      (query.kind === undefined || operation.kind === query.kind) &&
      (query.status === undefined || operation.status === query.status);
    const filtered = query.kind !== undefined || query.status !== undefined;
    const keys =
      query.guestId !== undefined
        ? operationEntity.queryIndex('byResource', { tenantId, guestId: query.guestId })
        : operationEntity.query({ tenantId });
    return await this.#table.queryPage(
      { ...keys, ScanIndexForward: false },
      {
        scope: `operations:${tenantId}:${JSON.stringify(query, ['guestId', 'kind', 'status'])}`,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        parse: operationEntity.parse,
        ...(filtered ? { accept } : {}),
      },
    );
  }

  /** Operations a crash of the local runtime left unfinished (start-up only; a Scan). */
  async unfinished(): Promise<Operation[]> {
    return await this.#table.scanByStatus(operationEntity, ['pending', 'running']);
  }

  async update(
    tenantId: string,
    operationId: string,
    changes: Partial<Omit<Operation, 'id' | 'tenantId'>>,
  ): Promise<void> {
    await this.#table.setFields(operationEntity.key({ tenantId, id: operationId }), changes);
  }
}
