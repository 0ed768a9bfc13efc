import type { BackupRecord, BackupStatus } from '#shared/domain/backup/backup-record.ts';
import { usageDelta } from '#shared/domain/plans/usage-counter.ts';
import { backupEntity } from './entities/backup.ts';
import { markDeletedOnce } from './mark-deleted.ts';
import {
  ConditionFailed,
  IS_NEW,
  type Page,
  type TableAccess,
  type TransactItem,
  type WriteCondition,
} from './table-access.ts';
import { usageUpdates } from './usage-store.ts';

export interface BackupQuery {
  readonly guestId?: string;
  readonly policyId?: string;
  readonly storage?: string;
  readonly status?: BackupStatus;
  /** ISO times, both included, on the archive's creation time. */
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * The backup catalog: every vzdump archive the service made, found or tried to make, per guest
 * (retention and restores read a guest's own) and for the tenant by time (the catalog pages).
 */
export class BackupStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  async get(tenantId: string, guestId: string, id: string): Promise<BackupRecord | undefined> {
    return await this.#table.get(backupEntity.key({ tenantId, guestId, id }), backupEntity.parse);
  }

  /** A guest's backups, every status (a guest holds a bounded number: retention keeps it so). */
  async listForGuest(tenantId: string, guestId: string): Promise<BackupRecord[]> {
    return await this.#table.queryAll(backupEntity.query({ tenantId, guestId }), backupEntity.parse);
  }

  /** The tenant's catalog, newest first, filtered, one page at a time. */
  async list(tenantId: string, query: BackupQuery): Promise<Page<BackupRecord>> {
    const accept = (backup: BackupRecord) =>
      (query.guestId === undefined || backup.guestId === query.guestId) &&
      (query.policyId === undefined || backup.policyId === query.policyId) &&
      (query.storage === undefined || backup.storage === query.storage) &&
      (query.status === undefined || backup.status === query.status);
    const filtered = [query.guestId, query.policyId, query.storage, query.status].some(
      (filter) => filter !== undefined,
    );
    return await this.#table.queryPage(
      {
        ...backupEntity.queryIndex(
          'byResource',
          { tenantId },
          { from: query.from ?? '0000', to: `${query.to ?? '9999'}~` },
        ),
        ScanIndexForward: false,
      },
      {
        scope: `backups:${tenantId}:${JSON.stringify(query, ['guestId', 'policyId', 'storage', 'status', 'from', 'to'])}`,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        parse: backupEntity.parse,
        ...(filtered ? { accept } : {}),
      },
    );
  }

  /** Writes a record as it is now (recording is idempotent: the id names the archive). */
  async put(record: BackupRecord, options: { ttl?: number } = {}): Promise<void> {
    await this.#table.write(
      backupEntity.item(record, {
        lifetimes: this.#table.lifetimes(),
        ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
      }),
    );
  }

  /**
   * Writes a record only when none exists for its archive: what reconciliation finds never
   * overwrites what a run recorded meanwhile. False when one existed.
   */
  async putIfNew(record: BackupRecord): Promise<boolean> {
    return await this.#writeCounted(record, undefined, IS_NEW);
  }

  /** Writes a record only while the stored one still has `status`: false when it changed meanwhile. */
  async putIfStatus(record: BackupRecord, status: BackupStatus): Promise<boolean> {
    return await this.#writeCounted(
      record,
      { ...record, status },
      { expression: '#status = :status', names: { '#status': 'status' }, values: { ':status': status } },
    );
  }

  /** A conditional write with the usage counter's change from `before` in the same transaction. */
  async #writeCounted(
    record: BackupRecord,
    before: BackupRecord | undefined,
    condition: WriteCondition,
  ): Promise<boolean> {
    const item = backupEntity.item(record, { lifetimes: this.#table.lifetimes() });
    const counted = usageUpdates(this.#table, record.tenantId, usageDelta(before, record), record.guestId);
    if (counted.length === 0) return await this.#table.writeIf(item, condition);
    try {
      await this.#table.transact([
        {
          Put: {
            TableName: this.#table.tableName,
            Item: item,
            ConditionExpression: condition.expression,
            ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
            ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
          },
        },
        ...counted,
      ]);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailed && error.index === 0) return false;
      throw error;
    }
  }

  /**
   * Marks a backup deleted (by retention or an operator) in the same transaction as its audit
   * event, with the record's TTL. A record already marked deleted (a retried step, two operators
   * at once) is left as it is: returns false and the audit event is not written. An archive
   * that counted is marked only while its status is still the one read, so it leaves the counter once.
   */
  async markDeleted(
    record: BackupRecord,
    audit: TransactItem,
    ttl: number,
    /** The record as the caller read it: an archive that counted leaves the usage counter. */
    before: BackupRecord,
  ): Promise<boolean> {
    const also = usageUpdates(this.#table, record.tenantId, usageDelta(before, undefined), record.guestId);
    return await markDeletedOnce(
      this.#table,
      backupEntity.item({ ...record, status: 'deleted' }, { ttl }),
      audit,
      also.length > 0 ? { also, whileStatus: before.status } : undefined,
    );
  }
}
