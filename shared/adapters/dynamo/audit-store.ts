import type { AuditEvent, AuditOutcome } from '#shared/domain/audit.ts';
import { AUDIT_SHARDS, auditEntity } from './entities/audit.ts';
import { queryMergedPage } from './merged-page.ts';
import type { Page, TableAccess, TransactItem } from './table-access.ts';

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
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  /** The write that records `event`, to put into the same transaction as the change it describes. */
  entry(event: AuditEvent): TransactItem {
    return this.#table.put(this.#item(event));
  }

  /** Records an event on its own (denials and failures, where nothing else is written). */
  async record(event: AuditEvent): Promise<void> {
    await this.#table.write(this.#item(event));
  }

  async list(tenantId: string, query: AuditQuery): Promise<Page<AuditEvent>> {
    // Sort keys are `<iso time>#<id>`: a time range is a key range; "~" sorts after any id.
    const range = { from: query.from ?? '0000', to: `${query.to ?? '9999'}~` };
    const accept = (event: AuditEvent) =>
      (query.actor === undefined || event.actor === query.actor) &&
      (query.action === undefined || event.action === query.action) &&
      (query.resourceType === undefined || event.resourceType === query.resourceType) &&
      (query.resourceId === undefined || event.resourceId === query.resourceId) &&
      (query.outcome === undefined || event.outcome === query.outcome);
    const filtered = [query.actor, query.action, query.resourceType, query.resourceId, query.outcome].some(
      (value) => value !== undefined,
    );
    const scope = `audit:${tenantId}:${JSON.stringify(query, ['from', 'to', 'actor', 'action', 'resourceType', 'resourceId', 'outcome'])}`;
    const page = {
      scope,
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      parse: auditEntity.parse,
      ...(filtered ? { accept } : {}),
    };
    if (query.resourceType !== undefined && query.resourceId !== undefined) {
      const resource = { tenantId, resourceType: query.resourceType, resourceId: query.resourceId };
      return await this.#table.queryPage(
        { ...auditEntity.queryIndex('byResource', resource, range), ScanIndexForward: false },
        page,
      );
    }
    const shards = Array.from({ length: AUDIT_SHARDS }, (_, shard) =>
      auditEntity.query({ tenantId, shard }, range),
    );
    return await queryMergedPage(this.#table, shards, { ...page, newestFirst: true });
  }

  #item(event: AuditEvent) {
    return auditEntity.item(event, { lifetimes: this.#table.lifetimes() });
  }
}
