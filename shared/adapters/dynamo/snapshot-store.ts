import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { keys } from './keys.ts';
import { stripKeys, type TableAccess } from './table-access.ts';

/**
 * The records of the snapshots the service took (or tried to take), per guest. A policy run
 * writes its record in the same transaction as the run's result (see RunStore.recordResult).
 */
export class SnapshotStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async list(tenantId: string, guestId: string): Promise<SnapshotRecord[]> {
    const items = await this.#table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.snapshot(tenantId, guestId, '').pk,
        ':prefix': keys.snapshotPrefix(guestId),
      },
    });
    return items.map((item) => stripKeys<SnapshotRecord>(item));
  }

  async get(tenantId: string, guestId: string, name: string): Promise<SnapshotRecord | undefined> {
    const item = await this.#table.get(keys.snapshot(tenantId, guestId, name));
    return item ? stripKeys<SnapshotRecord>(item) : undefined;
  }

  async put(record: SnapshotRecord): Promise<void> {
    await this.#table.doc.send(
      new PutCommand({
        TableName: this.#table.tableName,
        Item: {
          ...keys.snapshot(record.tenantId, record.guestId, record.name),
          entity: 'snapshot',
          ...record,
        },
      }),
    );
  }

  async delete(tenantId: string, guestId: string, name: string): Promise<void> {
    await this.#table.doc.send(
      new DeleteCommand({ TableName: this.#table.tableName, Key: keys.snapshot(tenantId, guestId, name) }),
    );
  }
}
