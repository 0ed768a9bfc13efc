import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import { usageDelta } from '#shared/domain/plans/usage-counter.ts';
import {
  type Run,
  type RunCounts,
  type RunGuestResult,
  type RunStatus,
  UNFINISHED_STORED_STATUSES,
} from '#shared/domain/run.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { backupEntity } from './entities/backup.ts';
import { runEntity, runResultEntity, type StoredRun } from './entities/run.ts';
import { snapshotEntity } from './entities/snapshot.ts';
import type { ItemKey } from './entity.ts';
import {
  ConditionFailed,
  IS_NEW,
  type ItemRead,
  type ItemUpdate,
  type Page,
  type TableAccess,
  type TransactItem,
} from './table-access.ts';
import { usageUpdates } from './usage-store.ts';

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
const UNFINISHED_NAMES = { '#status': 'status' };
const UNFINISHED_VALUES = { ':running': 'running', ':pending': 'pending' };

/** An update of a run that applies only while the run has not ended (and, with `also`, more holds). */
const whileUnfinished = (
  update: Omit<ItemUpdate, 'condition'>,
  also: Pick<ItemUpdate, 'condition' | 'names' | 'values'> = {},
): ItemUpdate => ({
  ...update,
  condition: [UNFINISHED, also.condition].filter(Boolean).join(' AND '),
  names: { ...UNFINISHED_NAMES, ...update.names, ...also.names },
  values: { ...UNFINISHED_VALUES, ...update.values, ...also.values },
});

const EXISTS = 'attribute_exists(pk)';

const toRun = (stored: StoredRun): Run => {
  const { claimedAt: _claimedAt, ...run } = stored;
  return run;
};

/** Runs, their per-guest results and the snapshot records they produce. */
export class RunStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  #key(tenantId: string, runId: string): ItemKey {
    return runEntity.key({ tenantId, id: runId });
  }

  /** A run accepted by "run now", before its workflow claims it; false when the id exists. */
  async create(run: Run): Promise<boolean> {
    return await this.#table.writeIf(runEntity.item(run, { lifetimes: this.#table.lifetimes() }), IS_NEW);
  }

  /**
   * Claims a tick for one workflow execution: writes the run unless it exists, or takes over a
   * run "run now" created that no execution has claimed yet (an update, so a cancel asked for in
   * between is kept). Any other existing run means the tick is already handled.
   */
  async claim(run: Run): Promise<boolean> {
    const { status: _status, startedAt, ...described } = run;
    const claimedAt = startedAt ?? run.createdAt;
    // What "run now" wrote stays; a tick's run is written in full.
    const {
      pk: _pk,
      sk: _sk,
      ...kept
    } = runEntity.item({ ...described, status: 'running' }, { lifetimes: this.#table.lifetimes() });
    const { status: _running, ...keptAsWritten } = kept;
    return await this.#table.updateIf(this.#key(run.tenantId, run.id), {
      set: { status: 'running', claimedAt },
      setIfAbsent: { startedAt: claimedAt, ...keptAsWritten },
      condition: `attribute_not_exists(pk) OR (attribute_not_exists(#claimedAt) AND ${UNFINISHED})`,
      names: { ...UNFINISHED_NAMES, '#claimedAt': 'claimedAt' },
      values: UNFINISHED_VALUES,
    });
  }

  /** Takes an unfinished run over again (resume after a crash); false when it has finished. */
  async resume(tenantId: string, runId: string, startedAt: string): Promise<boolean> {
    return await this.#table.updateIf(
      this.#key(tenantId, runId),
      whileUnfinished({ set: { status: 'running', startedAt, claimedAt: startedAt } }),
    );
  }

  /** Unfinished runs of every tenant (local crash recovery only: a Scan, never on a request path). */
  async unfinished(): Promise<Run[]> {
    return (await this.#table.scanByStatus(runEntity, UNFINISHED_STORED_STATUSES)).map(toRun);
  }

  async get(tenantId: string, runId: string): Promise<Run | undefined> {
    const { key, parse } = this.read(tenantId, runId);
    return await this.#table.get(key, parse);
  }

  /** The run's read, to make with others in one request ({@link TableAccess.getAll}). */
  read(tenantId: string, runId: string): ItemRead<Run> {
    return { key: this.#key(tenantId, runId), parse: (item) => toRun(runEntity.parse(item)) };
  }

  async list(tenantId: string, query: RunQuery): Promise<Page<Run>> {
    const accept = (run: StoredRun) =>
      (query.policyId === undefined || run.policyId === query.policyId) &&
      (query.status === undefined || run.status === query.status);
    const filtered = query.policyId !== undefined || query.status !== undefined;
    const page = await this.#table.queryPage(
      {
        ...runEntity.queryIndex(
          'byResource',
          { tenantId },
          { from: query.from ?? '0000', to: `${query.to ?? '9999'}~` },
        ),
        ScanIndexForward: false,
      },
      {
        scope: `runs:${tenantId}:${JSON.stringify(query, ['policyId', 'status', 'from', 'to'])}`,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        parse: runEntity.parse,
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
    return await this.#table.updateIf(
      this.#key(tenantId, runId),
      whileUnfinished({ set: changes }, { condition: EXISTS }),
    );
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
    return await this.#table.updateIf(
      this.#key(tenantId, runId),
      whileUnfinished(
        { set: end },
        {
          condition: '#succeeded = :succeeded AND #failed = :failed',
          names: { '#succeeded': 'succeeded', '#failed': 'failed' },
          values: { ':succeeded': counts.succeeded, ':failed': counts.failed },
        },
      ),
    );
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
        this.#table.update(
          this.#key(tenantId, runId),
          whileUnfinished(
            { setIfAbsent: { cancelRequestedAt: request.at, cancelledBy: request.by } },
            { condition: EXISTS },
          ),
        ),
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
    record: SnapshotRecord | { readonly backup: BackupRecord },
  ): Promise<RecordOutcome> {
    const counter = result.outcome === 'succeeded' ? 'succeeded' : 'failed';
    const lifetimes = this.#table.lifetimes();
    const run = this.#key(tenantId, result.runId);
    const writes = (late: boolean) => [
      this.#table.put(
        runResultEntity.item({ tenantId, ...result, ...(late ? { late: true } : {}) }, { lifetimes }),
        'attribute_not_exists(pk)',
      ),
      // The guest's snapshot record, or its backup record for a backup policy's run.
      this.#table.put(
        'backup' in record ? backupEntity.item(record.backup, { lifetimes }) : snapshotEntity.item(record),
      ),
      this.#table.update(
        run,
        late
          ? { add: { late: 1 }, condition: EXISTS }
          : whileUnfinished({ add: { [counter]: 1, ...(result.skipped ? { skipped: 1 } : {}) } }),
      ),
      // After the run's counter (index 2, whose condition says the run ended): a new archive
      // adds to the tenant's usage counter; a snapshot record adds nothing.
      ...('backup' in record
        ? usageUpdates(this.#table, tenantId, usageDelta(undefined, record.backup))
        : []),
    ];
    try {
      await this.#table.transact(writes(false));
      return 'recorded';
    } catch (error) {
      if (error instanceof ConditionFailed && error.index === 0) return 'duplicate';
      if (!(error instanceof ConditionFailed && error.index === 2)) throw error;
    }
    try {
      await this.#table.transact(writes(true));
      return 'late';
    } catch (error) {
      if (error instanceof ConditionFailed && error.index === 0) return 'duplicate';
      throw error;
    }
  }

  /** One guest's result in a run, once recorded. */
  async result(tenantId: string, runId: string, guestId: string): Promise<RunGuestResult | undefined> {
    const stored = await this.#table.get(
      runResultEntity.key({ tenantId, runId, guestId }),
      runResultEntity.parse,
    );
    if (!stored) return undefined;
    const { tenantId: _tenantId, ...result } = stored;
    return result;
  }

  async results(tenantId: string, runId: string): Promise<RunGuestResult[]> {
    const stored = await this.#table.queryAll(
      runResultEntity.query({ tenantId, runId }),
      runResultEntity.parse,
    );
    return stored.map(({ tenantId: _tenantId, ...result }) => result);
  }
}
