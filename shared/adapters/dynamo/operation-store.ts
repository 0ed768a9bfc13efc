import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Operation, OperationKind, OperationStatus } from '#shared/domain/operation.ts';
import { keys } from './keys.ts';
import { baseKey, byResourceKey, type Item, type Page, stripKeys, type TableAccess } from './table-access.ts';

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
  readonly #ttlDays: number;

  constructor(table: TableAccess, historyDays: number) {
    this.#table = table;
    this.#ttlDays = historyDays;
  }

  async create(operation: Operation): Promise<void> {
    await this.#table.doc.send(
      new PutCommand({
        TableName: this.#table.tableName,
        Item: {
          ...keys.operation(operation.tenantId, operation.id),
          ...keys.operationOfGuest(operation.tenantId, operation.guestId, operation.id),
          entity: 'operation',
          ...operation,
          ttl: Math.floor(Date.parse(operation.createdAt) / 1000) + this.#ttlDays * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(tenantId: string, operationId: string): Promise<Operation | undefined> {
    const item = await this.#table.get(keys.operation(tenantId, operationId));
    return item ? stripKeys<Operation>(item) : undefined;
  }

  async list(tenantId: string, query: OperationQuery): Promise<Page<Operation>> {
    const accept = (item: Item) =>
      (query.kind === undefined || item.kind === query.kind) &&
      (query.status === undefined || item.status === query.status);
    const filtered = query.kind !== undefined || query.status !== undefined;
    const page = await this.#table.queryPage(
      query.guestId !== undefined
        ? {
            IndexName: 'byResource',
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.guestOperationsPartition(tenantId, query.guestId) },
            ScanIndexForward: false,
          }
        : {
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': keys.operation(tenantId, '').pk,
              ':prefix': keys.operationPrefix(),
            },
            ScanIndexForward: false,
          },
      {
        scope: `operations:${tenantId}:${JSON.stringify(query, ['guestId', 'kind', 'status'])}`,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        keyOf: query.guestId !== undefined ? byResourceKey : baseKey,
        ...(filtered ? { accept } : {}),
      },
    );
    return { ...page, items: page.items.map((item) => stripKeys<Operation>(item)) };
  }

  /** Operations a crash of the local runtime left unfinished (start-up only; a Scan). */
  async unfinished(): Promise<Operation[]> {
    const items = await this.#table.scanByStatus('operation', ['pending', 'running']);
    return items.map((item) => stripKeys<Operation>(item));
  }

  async update(
    tenantId: string,
    operationId: string,
    changes: Partial<Omit<Operation, 'id' | 'tenantId'>>,
  ): Promise<void> {
    await this.#table.setFields(keys.operation(tenantId, operationId), changes);
  }
}
