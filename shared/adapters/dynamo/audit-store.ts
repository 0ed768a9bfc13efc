import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent, AuditOutcome } from '#shared/domain/audit.ts';
import { keys } from './keys.ts';
import {
  baseKey,
  byResourceKey,
  type Item,
  type Page,
  stripKeys,
  type TableAccess,
  type TransactItem,
} from './table-access.ts';

export interface AuditQuery {
  readonly from?: string;
  readonly to?: string;
  readonly actor?: string;
  readonly action?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly outcome?: AuditOutcome;
  readonly limit: number;
  readonly cursor?: string;
}

/** The audit trail: append-only, one partition per tenant, expired by TTL after the retention period. */
export class AuditStore {
  private readonly table: TableAccess;
  private readonly retentionDays: number;

  constructor(table: TableAccess, retentionDays: number) {
    this.table = table;
    this.retentionDays = retentionDays;
  }

  /** The write that records `event`, to put into the same transaction as the change it describes. */
  entry(event: AuditEvent): TransactItem {
    return this.table.put(this.#item(event));
  }

  /** Records an event on its own (denials and failures, where nothing else is written). */
  async record(event: AuditEvent): Promise<void> {
    await this.table.doc.send(new PutCommand({ TableName: this.table.tableName, Item: this.#item(event) }));
  }

  async list(tenantId: string, query: AuditQuery): Promise<Page<AuditEvent>> {
    // Sort keys are `<iso time>#<id>`: a time range is a key range; "~" sorts after any id.
    const from = query.from ?? '0000';
    const to = `${query.to ?? '9999'}~`;
    const byResource = query.resourceType !== undefined && query.resourceId !== undefined;
    const accept = (item: Item) =>
      (query.actor === undefined || item.actor === query.actor) &&
      (query.action === undefined || item.action === query.action) &&
      (query.resourceType === undefined || item.resourceType === query.resourceType) &&
      (query.resourceId === undefined || item.resourceId === query.resourceId) &&
      (query.outcome === undefined || item.outcome === query.outcome);
    const filtered = [query.actor, query.action, query.resourceType, query.resourceId, query.outcome].some(
      (value) => value !== undefined,
    );
    const scope = `audit:${tenantId}:${JSON.stringify(query, ['from', 'to', 'actor', 'action', 'resourceType', 'resourceId', 'outcome'])}`;
    const page = await this.table.queryPage(
      byResource
        ? {
            IndexName: 'byResource',
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': keys.auditResourcePartition(
                tenantId,
                query.resourceType as string,
                query.resourceId as string,
              ),
              ':from': from,
              ':to': to,
            },
            ScanIndexForward: false,
          }
        : {
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': keys.auditPartition(tenantId), ':from': from, ':to': to },
            ScanIndexForward: false,
          },
      {
        scope,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        keyOf: byResource ? byResourceKey : baseKey,
        ...(filtered ? { accept } : {}),
      },
    );
    return { ...page, items: page.items.map((item) => stripKeys<AuditEvent>(item)) };
  }

  #item(event: AuditEvent): Item {
    return {
      ...keys.audit(event.tenantId, event.at, event.id),
      ...keys.auditByResource(event.tenantId, event.resourceType, event.resourceId, event.at, event.id),
      entity: 'audit',
      ...event,
      ttl: Math.floor(Date.parse(event.at) / 1000) + this.retentionDays * 86_400,
    };
  }
}
