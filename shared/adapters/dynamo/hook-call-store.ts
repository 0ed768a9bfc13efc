import type { HookCall } from '#shared/domain/hooks/hook-call.ts';
import type { HookPhase } from '#shared/domain/hooks/hook-spec.ts';
import { type HookSecretRecord, hookCallEntity, hookSecretEntity } from './entities/hook-call.ts';
import { IS_NEW, type TableAccess } from './table-access.ts';

/** Hook calls of runs: claimed once per run, guest and phase, then completed. */
export class HookCallStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  /** Writes the call before it is made; false when this run, guest and phase already has one. */
  async claim(call: HookCall): Promise<boolean> {
    return await this.#table.writeIf(
      hookCallEntity.item(call, { lifetimes: this.#table.lifetimes() }),
      IS_NEW,
    );
  }

  /** Replaces the call with what happened (the claim's key stays). */
  async complete(call: HookCall): Promise<void> {
    await this.#table.write(hookCallEntity.item(call, { lifetimes: this.#table.lifetimes() }));
  }

  /**
   * Replaces the call only if it still is as it was read (`status`, and the waiting task's token or
   * none): false when another writer (a callback, the workflow's timeout, an await step) came first.
   */
  async replaceIf(call: HookCall, read: Pick<HookCall, 'status' | 'taskToken'>): Promise<boolean> {
    return await this.#table.writeIf(hookCallEntity.item(call, { lifetimes: this.#table.lifetimes() }), {
      expression:
        read.taskToken === undefined
          ? '#status = :status AND attribute_not_exists(taskToken)'
          : '#status = :status AND taskToken = :taskToken',
      names: { '#status': 'status' },
      values: {
        ':status': read.status,
        ...(read.taskToken === undefined ? {} : { ':taskToken': read.taskToken }),
      },
    });
  }

  async get(
    tenantId: string,
    runId: string,
    guestId: string,
    phase: HookPhase,
  ): Promise<HookCall | undefined> {
    return await this.#table.get(
      hookCallEntity.key({ tenantId, runId, guestId, phase }),
      hookCallEntity.parse,
    );
  }

  async secret(tenantId: string, policyId: string): Promise<HookSecretRecord | undefined> {
    return await this.#table.get(hookSecretEntity.key({ tenantId, id: policyId }), hookSecretEntity.parse);
  }

  /** Points the policy at its (new) secret. */
  async setSecret(record: HookSecretRecord): Promise<void> {
    await this.#table.write(hookSecretEntity.item(record));
  }

  /** Every hook call of a run (a run's hooks are at most two per guest). */
  async ofRun(tenantId: string, runId: string): Promise<HookCall[]> {
    return await this.#table.queryAll(hookCallEntity.query({ tenantId, runId }), hookCallEntity.parse);
  }
}
