import type { RestoreTestRun } from '#shared/domain/restore-test/restore-test.ts';
import { restoreTestRunEntity } from './entities/restore-test.ts';
import { IS_NEW, type Page, type TableAccess } from './table-access.ts';

/** Runs of restore tests, newest first by id (ids sort by time). */
export class RestoreTestRunStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  /** Writes a new run; false when a run of that id exists (a duplicate start of the same tick). */
  async create(run: RestoreTestRun): Promise<boolean> {
    try {
      await this.#table.write(restoreTestRunEntity.item(run, { lifetimes: this.#table.lifetimes() }), IS_NEW);
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async get(tenantId: string, runId: string): Promise<RestoreTestRun | undefined> {
    return await this.#table.get(
      restoreTestRunEntity.key({ tenantId, id: runId }),
      restoreTestRunEntity.parse,
    );
  }

  /** Replaces the run (only its own step writes it while it runs, one call at a time). */
  async save(run: RestoreTestRun): Promise<void> {
    await this.#table.write(restoreTestRunEntity.item(run, { lifetimes: this.#table.lifetimes() }));
  }

  async list(
    tenantId: string,
    query: { testId?: string; limit: number; cursor?: string },
  ): Promise<Page<RestoreTestRun>> {
    return await this.#table.queryPage(
      { ...restoreTestRunEntity.query({ tenantId }), ScanIndexForward: false },
      {
        scope: `restore-test-runs:${tenantId}:${query.testId ?? ''}`,
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        parse: restoreTestRunEntity.parse,
        ...(query.testId !== undefined
          ? { accept: (run: RestoreTestRun) => run.testId === query.testId }
          : {}),
      },
    );
  }

  /** Every run of the tenant (for reconciliation and reports; bounded by the history TTL). */
  async all(tenantId: string): Promise<RestoreTestRun[]> {
    return await this.#table.queryAll(restoreTestRunEntity.query({ tenantId }), restoreTestRunEntity.parse);
  }

  /** Runs a crash of the local runtime left unfinished (start-up only; a Scan). */
  async unfinished(): Promise<RestoreTestRun[]> {
    return await this.#table.scanByStatus(restoreTestRunEntity, ['running']);
  }
}
