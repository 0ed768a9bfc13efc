import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentCommandRecord, AgentConnection } from '#shared/domain/agent/agent-connection.ts';
import type { AgentKey } from '#shared/domain/agent/agent-key.ts';
import type { SerializedError } from '#shared/domain/error-registry.ts';
import {
  agentAnswerPageEntity,
  agentCommandEntity,
  agentConnectionEntity,
  agentKeyEntity,
} from './entities/agent.ts';
import { ConditionFailed, IS_NEW, type TableAccess, type TransactItem } from './table-access.ts';

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionFailed || (error as Error)?.name === 'ConditionalCheckFailedException';

/** False instead of DynamoDB's condition failure. */
async function unlessConditionFails(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * What the service keeps about agents: their keys (hashes only), the connection of each
 * cluster's agent and the commands sent to agents with their answers.
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
    return await this.#updateIfCurrent(
      tenantId,
      clusterId,
      connectionId,
      'SET agentVersion = :v, commands = :c',
      {
        ':v': announced.agentVersion,
        ':c': announced.commands,
      },
    );
  }

  /** Marks the agent gone, if this connection is still the cluster's (a newer one may have replaced it). */
  async disconnect(tenantId: string, clusterId: string, connectionId: string, at: string): Promise<boolean> {
    return await this.#updateIfCurrent(
      tenantId,
      clusterId,
      connectionId,
      'SET offlineSince = :at REMOVE connectionId',
      { ':at': at },
    );
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
    expression: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    // A REMOVE clause, which ItemUpdate does not build: the update written out.
    return await unlessConditionFails(
      this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.tableName,
          Key: agentConnectionEntity.key({ tenantId, clusterId }),
          UpdateExpression: expression,
          ConditionExpression: 'connectionId = :id',
          ExpressionAttributeValues: { ...values, ':id': connectionId },
        }),
      ),
    );
  }

  // ---- commands ----

  async putCommand(record: AgentCommandRecord): Promise<void> {
    await this.#table.write(agentCommandEntity.item(record, { lifetimes: this.#table.lifetimes() }), IS_NEW);
  }

  async getCommand(tenantId: string, commandId: string): Promise<AgentCommandRecord | undefined> {
    return await this.#table.get(
      agentCommandEntity.key({ tenantId, id: commandId }),
      agentCommandEntity.parse,
    );
  }

  /**
   * Stores a whole answer from the agent of `clusterId`; false when there is no pending command
   * of that cluster with this id (answered already, never sent, or another cluster's). One
   * conditional write: the answer's hot path reads nothing first.
   */
  async answer(
    command: { tenantId: string; clusterId: string; id: string },
    answer: { result: string } | { error: SerializedError },
  ): Promise<boolean> {
    return await this.#table.updateIf(
      agentCommandEntity.key({ tenantId: command.tenantId, id: command.id }),
      {
        set: {
          state: 'answered',
          ...('result' in answer ? { result: answer.result } : { error: answer.error }),
        },
        condition: '#state = :pending AND clusterId = :cluster',
        names: { '#state': 'state' },
        values: { ':pending': 'pending', ':cluster': command.clusterId },
      },
    );
  }

  /**
   * Stores one page of a paged answer; the page that completes it marks the command answered.
   * False when the command is not pending or the page came already.
   */
  async answerPage(
    tenantId: string,
    commandId: string,
    page: number,
    pages: number,
    chunk: string,
  ): Promise<boolean> {
    const stored = await this.#table.writeIf(
      agentAnswerPageEntity.item(
        { chunk },
        { key: { tenantId, id: commandId, page }, lifetimes: this.#table.lifetimes() },
      ),
      IS_NEW,
    );
    if (!stored) return false;
    const key = agentCommandEntity.key({ tenantId, id: commandId });
    const updated = await this.#table.doc.send(
      new UpdateCommand({
        TableName: this.#table.tableName,
        Key: key,
        UpdateExpression: 'ADD received :one SET pages = :pages',
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':one': 1, ':pages': pages, ':pending': 'pending' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (Number(updated.Attributes?.received) < pages) return true;
    // The whole answer may exceed an item's 400 KB: it stays in its pages, read by pagedResult.
    await this.#table.setFields(key, { state: 'answered' });
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
}
