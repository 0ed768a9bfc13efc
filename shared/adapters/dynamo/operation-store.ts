import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Operation } from '#shared/domain/operation.ts';
import { keys } from './keys.ts';
import { stripKeys, type TableAccess } from './table-access.ts';

/** Guest operations (manual snapshot, delete, restore). */
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
