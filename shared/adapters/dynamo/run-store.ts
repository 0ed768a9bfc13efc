import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Run, RunGuestResult, RunStatus } from '#shared/domain/run.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { keys } from './keys.ts';
import { byResourceKey, type Item, type Page, stripKeys, type TableAccess } from './table-access.ts';

export interface RunQuery {
  readonly policyId?: string;
  readonly status?: RunStatus;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** Runs, their per-guest results and the snapshot records they produce. */
export class RunStore {
  readonly #table: TableAccess;
  readonly #ttlDays: number;

  constructor(table: TableAccess, historyDays: number) {
    this.#table = table;
    this.#ttlDays = historyDays;
  }

  #runItem(run: Run): Item {
    return {
      ...keys.run(run.tenantId, run.id),
      ...keys.runsByTime(run.tenantId, run.scheduledTime, run.id),
      entity: 'run',
      ...run,
      ttl: Math.floor(Date.parse(run.scheduledTime) / 1000) + this.#ttlDays * 86_400,
    };
  }

  /**
   * Claims a tick: writes the run unless it exists. A run the API created as `pending` (run now)
   * is taken over by the workflow; any other existing run means the tick is already handled.
   */
  async claim(run: Run): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.tableName,
          Item: this.#runItem(run),
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :pending AND :status <> :pending)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':status': run.status },
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
          UpdateExpression: 'SET #status = :running, startedAt = :startedAt',
          ConditionExpression: '#status IN (:pending, :running)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':pending': 'pending',
            ':startedAt': startedAt,
          },
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
    const items = await this.#table.scanByStatus('run', ['pending', 'running']);
    return items.map((item) => stripKeys<Run>(item));
  }

  async get(tenantId: string, runId: string): Promise<Run | undefined> {
    const item = await this.#table.get(keys.run(tenantId, runId));
    return item ? stripKeys<Run>(item) : undefined;
  }

  async list(tenantId: string, query: RunQuery): Promise<Page<Run>> {
    const accept = (item: Item) =>
      (query.policyId === undefined || item.policyId === query.policyId) &&
      (query.status === undefined || item.status === query.status);
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
    return { ...page, items: page.items.map((item) => stripKeys<Run>(item)) };
  }

  async update(
    tenantId: string,
    runId: string,
    changes: Partial<Pick<Run, 'status' | 'targets' | 'startedAt' | 'finishedAt' | 'reason'>>,
  ): Promise<void> {
    await this.#table.setFields(keys.run(tenantId, runId), changes);
  }

  /**
   * Records one guest's outcome, its snapshot record, and bumps the run's counters, in one
   * transaction. Recording the same guest twice (a retried step) changes nothing.
   */
  async recordResult(tenantId: string, result: RunGuestResult, snapshot: SnapshotRecord): Promise<boolean> {
    const counter = result.outcome === 'succeeded' ? 'succeeded' : 'failed';
    const ttl = Math.floor(Date.parse(result.finishedAt) / 1000) + this.#ttlDays * 86_400;
    try {
      await this.#table.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#table.tableName,
                Item: {
                  ...keys.runResult(tenantId, result.runId, result.guestId),
                  entity: 'run-result',
                  tenantId,
                  ...result,
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
                UpdateExpression: 'ADD #counter :one',
                ExpressionAttributeNames: { '#counter': counter },
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        return false;
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
