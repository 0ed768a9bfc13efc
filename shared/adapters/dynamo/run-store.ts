import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Run,
  type RunCounts,
  type RunGuestResult,
  type RunStatus,
  runStatusOf,
  UNFINISHED_STORED_STATUSES,
} from '#shared/domain/run.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { keys } from './keys.ts';
import {
  byResourceKey,
  ConditionFailed,
  type Item,
  type Page,
  stripKeys,
  type TableAccess,
  type TransactItem,
} from './table-access.ts';

export interface RunQuery {
  readonly policyId?: string;
  readonly status?: RunStatus;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** How recording a guest's result went. */
export type RecordOutcome =
  /** Recorded and counted on the run. */
  | 'recorded'
  /** Recorded before (a retried step): nothing changed. */
  | 'duplicate'
  /** The run had already ended: the result is kept, marked late, and not counted. */
  | 'late';

/** The condition "this run has not ended" (older records say `pending` for a run not yet claimed). */
const UNFINISHED = '#status IN (:running, :pending)';
const UNFINISHED_VALUES = { ':running': 'running', ':pending': 'pending' };

const toRun = (item: Item): Run => {
  const run = stripKeys<Run & { claimedAt?: string }>(item);
  const { claimedAt: _claimedAt, ...rest } = run;
  return { ...rest, status: runStatusOf(run.status) };
};

const conditionFailedAt = (error: unknown, index: number) =>
  error instanceof TransactionCanceledException &&
  error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';

/** Runs, their per-guest results and the snapshot records they produce. */
export class RunStore {
  readonly #table: TableAccess;
  readonly #ttlDays: number;

  constructor(table: TableAccess, historyDays: number) {
    this.#table = table;
    this.#ttlDays = historyDays;
  }

  #ttl(run: Pick<Run, 'scheduledTime'>): number {
    return Math.floor(Date.parse(run.scheduledTime) / 1000) + this.#ttlDays * 86_400;
  }

  /** A run accepted by "run now", before its workflow claims it; false when the id exists. */
  async create(run: Run): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.tableName,
          Item: {
            ...keys.run(run.tenantId, run.id),
            ...keys.runsByTime(run.tenantId, run.scheduledTime, run.id),
            entity: 'run',
            ...run,
            ttl: this.#ttl(run),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Claims a tick for one workflow execution: writes the run unless it exists, or takes over a
   * run "run now" created that no execution has claimed yet (an update, so a cancel asked for in
   * between is kept). Any other existing run means the tick is already handled.
   */
  async claim(run: Run): Promise<boolean> {
    const { status: _status, startedAt, ...described } = run;
    // What "run now" wrote stays; a tick's run is written in full.
    const kept: Record<string, unknown> = {
      ...keys.runsByTime(run.tenantId, run.scheduledTime, run.id),
      entity: 'run',
      ...described,
      ttl: this.#ttl(run),
    };
    const names: Record<string, string> = {
      '#status': 'status',
      '#claimedAt': 'claimedAt',
      '#startedAt': 'startedAt',
    };
    const values: Record<string, unknown> = {
      ...UNFINISHED_VALUES,
      ':claimedAt': startedAt ?? run.createdAt,
    };
    const sets = [
      '#status = :running',
      '#claimedAt = :claimedAt',
      '#startedAt = if_not_exists(#startedAt, :claimedAt)',
    ];
    for (const [field, value] of Object.entries(kept)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = if_not_exists(#${field}, :${field})`);
    }
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: keys.run(run.tenantId, run.id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_not_exists(pk) OR (attribute_not_exists(#claimedAt) AND ${UNFINISHED})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Takes an unfinished run over again (resume after a crash); false when it has finished. */
  async resume(tenantId: string, runId: string, startedAt: string): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: keys.run(tenantId, runId),
          UpdateExpression: 'SET #status = :running, startedAt = :startedAt, claimedAt = :startedAt',
          ConditionExpression: UNFINISHED,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...UNFINISHED_VALUES, ':startedAt': startedAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Unfinished runs of every tenant (local crash recovery only: a Scan, never on a request path). */
  async unfinished(): Promise<Run[]> {
    const items = await this.#table.scanByStatus('run', UNFINISHED_STORED_STATUSES);
    return items.map(toRun);
  }

  async get(tenantId: string, runId: string): Promise<Run | undefined> {
    const item = await this.#table.get(keys.run(tenantId, runId));
    return item ? toRun(item) : undefined;
  }

  async list(tenantId: string, query: RunQuery): Promise<Page<Run>> {
    const accept = (item: Item) =>
      (query.policyId === undefined || item.policyId === query.policyId) &&
      (query.status === undefined || runStatusOf(item.status) === query.status);
    const filtered = query.policyId !== undefined || query.status !== undefined;
    const page = await this.#table.queryPage(
      {
        IndexName: 'byResource',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': keys.runsPartition(tenantId),
          ':from': query.from ?? '0000',
          ':to': `${query.to ?? '9999'}~`,
        },
        ScanIndexForward: false,
      },
      {
        scope: `runs:${tenantId}:${JSON.stringify(query, ['policyId', 'status', 'from', 'to'])}`,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        keyOf: byResourceKey,
        ...(filtered ? { accept } : {}),
      },
    );
    return { ...page, items: page.items.map(toRun) };
  }

  /** Fields of a run that has not ended (targets, a reason); a finished run is left as it is. */
  async update(
    tenantId: string,
    runId: string,
    changes: Partial<Pick<Run, 'targets' | 'reason'>>,
  ): Promise<boolean> {
    return await this.#setIfUnfinished(tenantId, runId, changes);
  }

  /** Ends a run that has not ended: false when it had (a run's end is written once). */
  async fail(tenantId: string, runId: string, finishedAt: string, reason: string): Promise<boolean> {
    return await this.#setIfUnfinished(tenantId, runId, { status: 'failed', finishedAt, reason });
  }

  async #setIfUnfinished(
    tenantId: string,
    runId: string,
    changes: Record<string, unknown>,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ...UNFINISHED_VALUES };
    const sets = Object.entries(changes).map(([field, value]) => {
      names[`#f_${field}`] = field;
      values[`:f_${field}`] = value;
      return `#f_${field} = :f_${field}`;
    });
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: keys.run(tenantId, runId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND ${UNFINISHED}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Ends the run with the status decided from `counts`, only if it has not ended and its counts
   * are still those (a result recorded in between changes them: the caller decides again), so
   * the status written always agrees with the counted results. False when the condition failed.
   */
  async finish(
    tenantId: string,
    runId: string,
    counts: RunCounts,
    end: Pick<Run, 'status' | 'finishedAt'> & Partial<Pick<Run, 'reason' | 'notStarted'>>,
  ): Promise<boolean> {
    const names: Record<string, string> = {
      '#status': 'status',
      '#succeeded': 'succeeded',
      '#failed': 'failed',
    };
    const values: Record<string, unknown> = {
      ...UNFINISHED_VALUES,
      ':succeeded': counts.succeeded,
      ':failed': counts.failed,
    };
    const sets = Object.entries(end).map(([field, value]) => {
      names[`#e_${field}`] = field;
      values[`:e_${field}`] = value;
      return `#e_${field} = :e_${field}`;
    });
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: keys.run(tenantId, runId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `${UNFINISHED} AND #succeeded = :succeeded AND #failed = :failed`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Records an operator's cancel of a run that has not ended, with its audit entry, in one
   * transaction. Asking again keeps the first request's time and author. False when the run has
   * ended (or does not exist).
   */
  async requestCancel(
    tenantId: string,
    runId: string,
    request: { at: string; by: string },
    audit: TransactItem,
  ): Promise<boolean> {
    try {
      await this.#table.transact([
        {
          Update: {
            TableName: this.#table.tableName,
            Key: keys.run(tenantId, runId),
            UpdateExpression:
              'SET cancelRequestedAt = if_not_exists(cancelRequestedAt, :at), cancelledBy = if_not_exists(cancelledBy, :by)',
            ConditionExpression: `attribute_exists(pk) AND ${UNFINISHED}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ...UNFINISHED_VALUES, ':at': request.at, ':by': request.by },
          },
        },
        audit,
      ]);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailed) return false;
      throw error;
    }
  }

  /**
   * Records one guest's outcome and its snapshot record, and counts it on the run, in one
   * transaction. Recording the same guest twice (a retried step) changes nothing. A result for a
   * run that has ended (its lane was given up) is kept as `late` with the snapshot record (the
   * snapshot exists either way), but never counted: the ended run's status stays true to its counts.
   */
  async recordResult(
    tenantId: string,
    result: RunGuestResult,
    snapshot: SnapshotRecord,
  ): Promise<RecordOutcome> {
    const counter = result.outcome === 'succeeded' ? 'succeeded' : 'failed';
    const ttl = Math.floor(Date.parse(result.finishedAt) / 1000) + this.#ttlDays * 86_400;
    const writes = (late: boolean) => [
      {
        Put: {
          TableName: this.#table.tableName,
          Item: {
            ...keys.runResult(tenantId, result.runId, result.guestId),
            entity: 'run-result',
            tenantId,
            ...result,
            ...(late ? { late: true } : {}),
            ttl,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.#table.tableName,
          Item: {
            ...keys.snapshot(tenantId, snapshot.guestId, snapshot.name),
            entity: 'snapshot',
            ...snapshot,
          },
        },
      },
      {
        Update: {
          TableName: this.#table.tableName,
          Key: keys.run(tenantId, result.runId),
          ...(late
            ? {
                UpdateExpression: 'ADD late :one',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: { ':one': 1 },
              }
            : {
                UpdateExpression: 'ADD #counter :one',
                ConditionExpression: UNFINISHED,
                ExpressionAttributeNames: { '#counter': counter, '#status': 'status' },
                ExpressionAttributeValues: { ':one': 1, ...UNFINISHED_VALUES },
              }),
        },
      },
    ];
    try {
      await this.#table.doc.send(new TransactWriteCommand({ TransactItems: writes(false) }));
      return 'recorded';
    } catch (error) {
      if (conditionFailedAt(error, 0)) return 'duplicate';
      if (!conditionFailedAt(error, 2)) throw error;
    }
    try {
      await this.#table.doc.send(new TransactWriteCommand({ TransactItems: writes(true) }));
      return 'late';
    } catch (error) {
      if (conditionFailedAt(error, 0)) return 'duplicate';
      throw error;
    }
  }

  async results(tenantId: string, runId: string): Promise<RunGuestResult[]> {
    const items = await this.#table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.run(tenantId, runId).pk,
        ':prefix': keys.runResultPrefix(runId),
      },
    });
    return items.map((item) => {
      const { tenantId: _tenantId, ...result } = stripKeys<RunGuestResult & { tenantId?: string }>(item);
      return result;
    });
  }
}
