import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import { usageDelta } from '#shared/domain/plans/usage-counter.ts';
import {
  type Run,
  type RunGuestResult,
  type RunState,
  type RunStatus,
  UNFINISHED_STORED_STATUSES,
} from '#shared/domain/run.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { countedFields, countsOf, RUN_COUNTER_SHARES, shareOf } from './counter-shares.ts';
import { backupEntity } from './entities/backup.ts';
import {
  type RunCounterShare,
  runCounterShareEntity,
  runEntity,
  runResultEntity,
  type StoredRun,
} from './entities/run.ts';
import { snapshotEntity } from './entities/snapshot.ts';
import type { Item, ItemKey } from './entity.ts';
import {
  ConditionFailed,
  IS_NEW,
  type ItemRead,
  type ItemUpdate,
  type Page,
  type TableAccess,
  type TransactItem,
} from './table-access.ts';
import { TABLE_SCHEMA } from './table-schema.ts';
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

/** Where a result counts: its share, the run's own item (a run without shares), or nowhere (late). */
type Counting = 'onShare' | 'onRun' | 'asLate';

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

/** The run stopped counting results ({@link RunStore.closeCounting}): the counts read since are final. */
const COUNTING_CLOSED = 'attribute_exists(#countingClosedAt)';

const toRun = (stored: StoredRun): Run => {
  const { claimedAt: _claimedAt, countingClosedAt: _countingClosedAt, ...run } = stored;
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
    // Shares first: a claim that commits and then fails to open them would be retried, refused
    // as already claimed, and its run never end. Opening is idempotent and harmless to a run
    // another execution claimed (a share is created only where none is, never reopened).
    await this.#updateShares(run.tenantId, run.id, {});
    const claimed = await this.#table.updateIf(this.#key(run.tenantId, run.id), {
      set: { status: 'running', claimedAt },
      setIfAbsent: { startedAt: claimedAt, ...keptAsWritten },
      condition: `attribute_not_exists(pk) OR (attribute_not_exists(#claimedAt) AND ${UNFINISHED})`,
      names: { ...UNFINISHED_NAMES, '#claimedAt': 'claimedAt' },
      values: UNFINISHED_VALUES,
    });
    return claimed;
  }

  /**
   * Takes an unfinished run over again (resume after a crash); false when it has finished. A
   * crash between closing the counting and writing the end left it closed: it is opened again in
   * the same transaction, so only a run that has not ended counts again.
   */
  async resume(tenantId: string, runId: string, startedAt: string): Promise<boolean> {
    try {
      await this.#table.transact([
        this.#table.update(
          this.#key(tenantId, runId),
          whileUnfinished({
            set: { status: 'running', startedAt, claimedAt: startedAt },
            remove: ['countingClosedAt'],
          }),
        ),
        ...this.#shareUpdates(tenantId, runId, { remove: ['closed'] }).map((share) =>
          this.#table.update(share.key, share.update),
        ),
      ]);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailed && error.index === 0) return false;
      throw error;
    }
  }

  /** Unfinished runs of every tenant (local crash recovery only: a Scan, never on a request path). */
  async unfinished(): Promise<Run[]> {
    return await this.#withCounts(
      (await this.#table.scanByStatus(runEntity, UNFINISHED_STORED_STATUSES)).map(toRun),
    );
  }

  /** The run with its counts (a running run's are summed from its shares: one Query reads both). */
  async get(tenantId: string, runId: string): Promise<Run | undefined> {
    const { runItem, shares } = await this.#runAndShares(tenantId, runId);
    if (!runItem || this.#table.isExpired(runItem)) return undefined;
    const run = toRun(runEntity.parse(runItem));
    return { ...run, ...countsOf(run, shares) };
  }

  /**
   * The run's item, to read with others in one request ({@link TableAccess.getAll}): its state
   * (status, cancel, policy), without the counts a running run keeps in its shares.
   */
  read(tenantId: string, runId: string): ItemRead<RunState> {
    return {
      key: this.#key(tenantId, runId),
      parse: (item) => {
        const {
          succeeded: _succeeded,
          failed: _failed,
          skipped: _skipped,
          ...state
        } = toRun(runEntity.parse(item));
        return state;
      },
    };
  }

  /** Runs as listed from the index (the run items alone), each running one with its shares' counts. */
  async #withCounts(runs: Run[]): Promise<Run[]> {
    return await Promise.all(
      runs.map(async (run) =>
        run.status === 'running'
          ? { ...run, ...countsOf(run, (await this.#runAndShares(run.tenantId, run.id)).shares) }
          : run,
      ),
    );
  }

  /** The run's item and its counter shares, sorted together: one strongly consistent Query. */
  async #runAndShares(
    tenantId: string,
    runId: string,
  ): Promise<{ runItem: Item | undefined; shares: RunCounterShare[] }> {
    const items = await this.#table.queryAll(
      runCounterShareEntity.query({ tenantId, runId }),
      (item: Item) => item,
    );
    const of = (entity: { name: string }) => (item: Item) =>
      item[TABLE_SCHEMA.entityAttribute] === entity.name;
    return {
      runItem: items.find(of(runEntity)),
      shares: items.filter(of(runCounterShareEntity)).map(runCounterShareEntity.parse),
    };
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
    return { ...page, items: await this.#withCounts(page.items.map(toRun)) };
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
    const run = await this.closeCounting(tenantId, runId);
    if (!run) return false;
    return await this.#table.updateIf(
      this.#key(tenantId, runId),
      whileUnfinished(
        { set: { status: 'failed', finishedAt, reason, ...countedFields(run) } },
        { condition: COUNTING_CLOSED, names: { '#countingClosedAt': 'countingClosedAt' } },
      ),
    );
  }

  /**
   * Stops counting results on a run about to end, then reads it with counts no result changes any
   * more: first the run's own item (which counts results only for a run whose shares were never
   * opened: one claimed before shares existed), then every share. A result recorded from then on
   * is late.
   */
  async closeCounting(tenantId: string, runId: string): Promise<Run | undefined> {
    const open = await this.#table.updateIf(
      this.#key(tenantId, runId),
      whileUnfinished(
        { setIfAbsent: { countingClosedAt: new Date(this.#table.now()).toISOString() } },
        { condition: EXISTS },
      ),
    );
    // Ended already (or gone): nothing counts any more, and no share is made for it.
    if (open) await this.#updateShares(tenantId, runId, { set: { closed: true } });
    return await this.get(tenantId, runId);
  }

  async #updateShares(
    tenantId: string,
    runId: string,
    /** Nothing: opens the shares (creates those missing). */
    change: Pick<ItemUpdate, 'set' | 'remove'>,
  ): Promise<void> {
    const written = await Promise.allSettled(
      this.#shareUpdates(tenantId, runId, change).map((share) =>
        this.#table.updateIf(share.key, share.update),
      ),
    );
    const failed = written.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The same change of every share (creating those missing). */
  #shareUpdates(tenantId: string, runId: string, change: Pick<ItemUpdate, 'set' | 'remove'>) {
    return Array.from({ length: RUN_COUNTER_SHARES }, (_, share) => ({
      key: runCounterShareEntity.key({ tenantId, runId, share }),
      update: { ...change, setIfAbsent: this.#shareFields(tenantId, runId, share) },
    }));
  }

  /** A share's own fields, written by whichever write creates it. */
  #shareFields(tenantId: string, runId: string, share: number): Record<string, unknown> {
    const {
      pk: _pk,
      sk: _sk,
      ...fields
    } = runCounterShareEntity.item({ tenantId, runId, share }, { lifetimes: this.#table.lifetimes() });
    return fields;
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
   * Ends the run with the status decided from `run`, read by {@link closeCounting} (its counts are
   * final), writing those counts on the run's item. Only if the run has not ended, and, unless it
   * ends cancelled, no cancel was asked for since it was read (the caller decides again). False
   * when a condition failed.
   */
  async finish(
    tenantId: string,
    runId: string,
    run: Run,
    end: Pick<Run, 'status' | 'finishedAt'> & Partial<Pick<Run, 'reason' | 'notStarted'>>,
  ): Promise<boolean> {
    return await this.#table.updateIf(
      this.#key(tenantId, runId),
      whileUnfinished(
        { set: { ...end, ...countedFields(run) } },
        {
          // Counting still closed (no resume reopened it since the read) and, unless it ends
          // cancelled, no cancel asked for since.
          condition: [
            COUNTING_CLOSED,
            ...(end.status === 'cancelled' ? [] : ['attribute_not_exists(#cancelRequestedAt)']),
          ].join(' AND '),
          names: {
            '#countingClosedAt': 'countingClosedAt',
            ...(end.status === 'cancelled' ? {} : { '#cancelRequestedAt': 'cancelRequestedAt' }),
          },
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
   * Records one guest's outcome and its snapshot record, and counts it on the guest's share of the
   * run's counters (opened when the run was claimed), in one transaction. Recording the same guest
   * twice (a retried step) changes nothing. A run claimed before shares existed has none: its
   * results count on its own item, while its counting is open. A result for a run that has stopped
   * counting (it is ending; its lane was given up) is kept as `late` with the snapshot record (the
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
    const share = shareOf(result.guestId, RUN_COUNTER_SHARES);
    const counts = { [counter]: 1, ...(result.skipped ? { skipped: 1 } : {}) };
    const writes = (counting: Counting) => [
      this.#table.put(
        runResultEntity.item(
          { tenantId, ...result, ...(counting === 'asLate' ? { late: true } : {}) },
          { lifetimes },
        ),
        'attribute_not_exists(pk)',
      ),
      // The guest's snapshot record, or its backup record for a backup policy's run.
      this.#table.put(
        'backup' in record ? backupEntity.item(record.backup, { lifetimes }) : snapshotEntity.item(record),
      ),
      counting === 'onShare'
        ? withOldItemOnFailure(
            this.#table.update(runCounterShareEntity.key({ tenantId, runId: result.runId, share }), {
              add: counts,
              condition: 'attribute_exists(pk) AND attribute_not_exists(#closed)',
              names: { '#closed': 'closed' },
            }),
          )
        : counting === 'onRun'
          ? this.#table.update(
              run,
              whileUnfinished(
                { add: counts },
                {
                  condition: 'attribute_not_exists(#countingClosedAt)',
                  names: { '#countingClosedAt': 'countingClosedAt' },
                },
              ),
            )
          : this.#table.update(run, { add: { late: 1 }, condition: EXISTS }),
      // After the counter (index 2, whose condition says whether it counts): a new archive adds to
      // the tenant's usage counter; a snapshot record adds nothing.
      ...('backup' in record
        ? usageUpdates(this.#table, tenantId, usageDelta(undefined, record.backup), record.backup.guestId)
        : []),
    ];
    // Each try either settles the outcome or names where the result goes next.
    const tryCounting = async (counting: Counting): Promise<RecordOutcome | Counting> => {
      try {
        await this.#table.transact(writes(counting));
        return counting === 'asLate' ? 'late' : 'recorded';
      } catch (error) {
        if (!(error instanceof ConditionFailed)) throw error;
        if (error.index === 0) return 'duplicate';
        if (error.index !== 2) throw error;
        // Not even its late counter: the run does not exist.
        if (counting === 'asLate') throw new NotFoundError('run', result.runId);
        // No share (a run claimed before shares existed): it counts on the run's item while it can.
        return counting === 'onShare' && error.item === undefined ? 'onRun' : 'asLate';
      }
    };
    let outcome: RecordOutcome | Counting = 'onShare';
    while (outcome === 'onShare' || outcome === 'onRun' || outcome === 'asLate') {
      outcome = await tryCounting(outcome);
    }
    return outcome;
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

/** An update whose failed condition hands back the item as it was (absent: there was none). */
function withOldItemOnFailure(update: TransactItem): TransactItem {
  return update.Update
    ? { Update: { ...update.Update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } }
    : update;
}
