import type {
  AgentAnswerRecord,
  AgentConnection,
  FollowedTask,
} from '#shared/domain/agent/agent-connection.ts';
import type { AgentKey } from '#shared/domain/agent/agent-key.ts';
import type { SerializedError } from '#shared/domain/error-registry.ts';
import {
  agentAnswerPageEntity,
  agentCommandEntity,
  agentConnectionEntity,
  agentFollowEntity,
  agentKeyEntity,
} from './entities/agent.ts';
import { IS_NEW, type ItemUpdate, type TableAccess, type TransactItem } from './table-access.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

/**
 * What the service keeps about agents: their keys (hashes only), the connection of each
 * cluster's agent, their answers to commands and the workflow tasks waiting for followed tasks.
 */
export class AgentStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  // ---- keys ----

  async createKey(key: AgentKey, extra: TransactItem[]): Promise<void> {
    await this.#table.transact([this.#table.put(agentKeyEntity.item(key), IS_NEW.expression), ...extra]);
  }

  async getKey(tenantId: string, keyId: string): Promise<AgentKey | undefined> {
    return await this.#table.get(agentKeyEntity.key({ tenantId, id: keyId }), agentKeyEntity.parse);
  }

  /** A cluster's keys, revoked ones included, oldest first. */
  async listKeys(tenantId: string, clusterId: string): Promise<AgentKey[]> {
    const keys = await this.#table.queryAll(agentKeyEntity.query({ tenantId }), agentKeyEntity.parse);
    return keys
      .filter((key) => key.clusterId === clusterId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async revokeKey(key: AgentKey, revokedAt: string, extra: TransactItem[]): Promise<void> {
    await this.#table.transact([this.#table.put(agentKeyEntity.item({ ...key, revokedAt })), ...extra]);
  }

  // ---- connections ----

  async getConnection(tenantId: string, clusterId: string): Promise<AgentConnection | undefined> {
    return await this.#table.get(
      agentConnectionEntity.key({ tenantId, clusterId }),
      agentConnectionEntity.parse,
    );
  }

  /** Records a new connection of the cluster's agent; it replaces the one before. */
  async putConnection(connection: AgentConnection): Promise<void> {
    await this.#table.write(agentConnectionEntity.item(connection));
  }

  /** Stores what the agent announced on this connection (if it is still the cluster's). */
  async announce(
    tenantId: string,
    clusterId: string,
    connectionId: string,
    announced: { agentVersion: string; commands: readonly string[] },
  ): Promise<boolean> {
    return await this.#updateIfCurrent(tenantId, clusterId, connectionId, {
      set: { agentVersion: announced.agentVersion, commands: announced.commands },
    });
  }

  /** Marks the agent gone, if this connection is still the cluster's (a newer one may have replaced it). */
  async disconnect(tenantId: string, clusterId: string, connectionId: string, at: string): Promise<boolean> {
    return await this.#updateIfCurrent(tenantId, clusterId, connectionId, {
      set: { offlineSince: at },
      remove: ['connectionId'],
    });
  }

  /** Claims the report of an offline episode: true once per `offlineSince` value. */
  async claimOfflineReport(tenantId: string, clusterId: string, episode: string): Promise<boolean> {
    return await this.#table.updateIf(agentConnectionEntity.key({ tenantId, clusterId }), {
      set: { offlineReported: episode },
      condition:
        'attribute_exists(connectedAt) AND (attribute_not_exists(offlineReported) OR offlineReported <> :episode)',
      values: { ':episode': episode },
    });
  }

  async #updateIfCurrent(
    tenantId: string,
    clusterId: string,
    connectionId: string,
    update: Pick<ItemUpdate, 'set' | 'remove'>,
  ): Promise<boolean> {
    return await this.#table.updateIf(agentConnectionEntity.key({ tenantId, clusterId }), {
      ...update,
      condition: 'connectionId = :id',
      values: { ':id': connectionId },
    });
  }

  // ---- answers ----

  /**
   * Stores a whole answer to a command whose signed id was checked: false when the command has
   * an answer (or pages of one) already. One conditional write: the answer's hot path reads nothing.
   */
  async answer(
    command: { tenantId: string; clusterId: string; id: string },
    answer: { result: string } | { error: SerializedError },
    answeredAt: string,
  ): Promise<AgentAnswerRecord | undefined> {
    const record: AgentAnswerRecord = { ...command, state: 'answered', answeredAt, ...answer };
    const stored = await this.#table.writeIf(
      agentCommandEntity.item(record, { lifetimes: this.#table.lifetimes() }),
      IS_NEW,
    );
    return stored ? record : undefined;
  }

  async getAnswer(tenantId: string, commandId: string): Promise<AgentAnswerRecord | undefined> {
    return await this.#table.get(
      agentCommandEntity.key({ tenantId, id: commandId }),
      agentCommandEntity.parse,
    );
  }

  /**
   * Stores one page of a paged answer to a command whose signed id was checked; the first page
   * creates the answer's record, the page that completes it marks it answered. False when the
   * command was answered already or the page came already.
   */
  async answerPage(
    command: { tenantId: string; clusterId: string; id: string },
    page: { page: number; pages: number; chunk: string },
    answeredAt: string,
  ): Promise<boolean> {
    const { tenantId, id } = command;
    const stored = await this.#table.writeIf(
      agentAnswerPageEntity.item(
        { chunk: page.chunk },
        { key: { tenantId, id, page: page.page }, lifetimes: this.#table.lifetimes() },
      ),
      IS_NEW,
    );
    if (!stored) return false;
    const key = agentCommandEntity.key({ tenantId, id });
    // The first page to arrive creates the record agentCommandEntity.item would write.
    const {
      [TABLE_SCHEMA.partitionKey]: _pk,
      [TABLE_SCHEMA.sortKey]: _sk,
      ...created
    } = agentCommandEntity.item({ ...command, state: 'pending' }, { lifetimes: this.#table.lifetimes() });
    const updated = await this.#table.updateReturning(key, {
      add: { received: 1 },
      set: { pages: page.pages },
      setIfAbsent: created,
      condition: `attribute_not_exists(${TABLE_SCHEMA.partitionKey}) OR #state = :pending`,
      names: { '#state': 'state' },
      values: { ':pending': 'pending' },
    });
    if (!updated) return false;
    if (Number(updated.received) < page.pages) return true;
    // The whole answer may exceed an item's 400 KB: it stays in its pages, read by pagedResult.
    await this.#table.setFields(key, { state: 'answered', answeredAt });
    return true;
  }

  /** The result of a paged answer, its pages joined in order. */
  async pagedResult(tenantId: string, commandId: string): Promise<string> {
    const pages = await this.#table.queryAll(
      agentAnswerPageEntity.query({ tenantId, id: commandId }),
      agentAnswerPageEntity.parse,
    );
    return pages.map((page) => page.chunk).join('');
  }

  // ---- followed tasks ----

  async putFollow(follow: FollowedTask): Promise<void> {
    await this.#table.write(agentFollowEntity.item(follow, { lifetimes: this.#table.lifetimes() }), IS_NEW);
  }

  async getFollow(tenantId: string, commandId: string): Promise<FollowedTask | undefined> {
    return await this.#table.get(agentFollowEntity.key({ tenantId, id: commandId }), agentFollowEntity.parse);
  }
}
