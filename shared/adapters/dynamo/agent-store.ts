import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentCommandRecord, AgentConnection } from '#shared/domain/agent/agent-connection.ts';
import type { AgentKey } from '#shared/domain/agent/agent-key.ts';
import type { SerializedError } from '#shared/domain/error-registry.ts';
import { keys } from './keys.ts';
import { ConditionFailed, stripKeys, type TableAccess, type TransactItem } from './table-access.ts';

/** How long a command and its answer are kept (a replayed answer is refused while it exists). */
const COMMAND_TTL_SECONDS = 24 * 3600;

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionFailed || (error as Error)?.name === 'ConditionalCheckFailedException';

/**
 * What the service keeps about agents: their keys (hashes only), the connection of each
 * cluster's agent and the commands sent to agents with their answers.
 */
export class AgentStore {
  private readonly table: TableAccess;

  constructor(table: TableAccess) {
    this.table = table;
  }

  // ---- keys ----

  async createKey(key: AgentKey, extra: TransactItem[]): Promise<void> {
    await this.table.transact([
      this.table.put(
        { ...keys.agentKey(key.tenantId, key.id), entity: 'agentKey', ...key },
        'attribute_not_exists(pk)',
      ),
      ...extra,
    ]);
  }

  async getKey(tenantId: string, keyId: string): Promise<AgentKey | undefined> {
    const item = await this.table.get(keys.agentKey(tenantId, keyId));
    return item ? stripKeys<AgentKey>(item) : undefined;
  }

  /** A cluster's keys, revoked ones included, oldest first. */
  async listKeys(tenantId: string, clusterId: string): Promise<AgentKey[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.agentKey(tenantId, '').pk, ':prefix': keys.agentKeyPrefix() },
    });
    return items
      .map((item) => stripKeys<AgentKey>(item))
      .filter((key) => key.clusterId === clusterId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async revokeKey(key: AgentKey, revokedAt: string, extra: TransactItem[]): Promise<void> {
    await this.table.transact([
      this.table.put({ ...keys.agentKey(key.tenantId, key.id), entity: 'agentKey', ...key, revokedAt }),
      ...extra,
    ]);
  }

  // ---- connections ----

  async getConnection(tenantId: string, clusterId: string): Promise<AgentConnection | undefined> {
    const item = await this.table.get(keys.agentConnection(tenantId, clusterId));
    return item ? stripKeys<AgentConnection>(item) : undefined;
  }

  /** Records a new connection of the cluster's agent; it replaces the one before. */
  async putConnection(connection: AgentConnection): Promise<void> {
    await this.table.transact([
      this.table.put({
        ...keys.agentConnection(connection.tenantId, connection.clusterId),
        entity: 'agentConnection',
        ...connection,
      }),
    ]);
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
      {
        ':at': at,
      },
    );
  }

  /** Claims the report of an offline episode: true once per `offlineSince` value. */
  async claimOfflineReport(tenantId: string, clusterId: string, episode: string): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.agentConnection(tenantId, clusterId),
          UpdateExpression: 'SET offlineReported = :e, tenantId = :t, clusterId = :c',
          ConditionExpression: 'attribute_not_exists(offlineReported) OR offlineReported <> :e',
          ExpressionAttributeValues: { ':e': episode, ':t': tenantId, ':c': clusterId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async #updateIfCurrent(
    tenantId: string,
    clusterId: string,
    connectionId: string,
    expression: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.agentConnection(tenantId, clusterId),
          UpdateExpression: expression,
          ConditionExpression: 'connectionId = :id',
          ExpressionAttributeValues: { ...values, ':id': connectionId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  // ---- commands ----

  async putCommand(record: AgentCommandRecord): Promise<void> {
    await this.table.transact([
      this.table.put(
        {
          ...keys.agentCommand(record.tenantId, record.id),
          entity: 'agentCommand',
          ...record,
          ttl: this.table.nowEpochSeconds() + COMMAND_TTL_SECONDS,
        },
        'attribute_not_exists(pk)',
      ),
    ]);
  }

  async getCommand(tenantId: string, commandId: string): Promise<AgentCommandRecord | undefined> {
    const item = await this.table.get(keys.agentCommand(tenantId, commandId));
    return item ? stripKeys<AgentCommandRecord>(item) : undefined;
  }

  /** Stores a whole answer; false when the command is not pending (answered already). */
  async answer(
    tenantId: string,
    commandId: string,
    answer: { result: string } | { error: SerializedError },
  ): Promise<boolean> {
    const field = 'result' in answer ? 'result' : 'error';
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.agentCommand(tenantId, commandId),
          UpdateExpression: 'SET #state = :answered, #field = :r',
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state', '#field': field },
          ExpressionAttributeValues: {
            ':answered': 'answered',
            ':pending': 'pending',
            ':r': 'result' in answer ? answer.result : answer.error,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
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
    try {
      await this.table.transact([
        this.table.put(
          {
            ...keys.agentAnswerPage(tenantId, commandId, page),
            entity: 'agentAnswerPage',
            chunk,
            ttl: this.table.nowEpochSeconds() + COMMAND_TTL_SECONDS,
          },
          'attribute_not_exists(pk)',
        ),
      ]);
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    const updated = await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: keys.agentCommand(tenantId, commandId),
        UpdateExpression: 'ADD received :one SET pages = :pages',
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':one': 1, ':pages': pages, ':pending': 'pending' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (Number(updated.Attributes?.received) < pages) return true;
    // The whole answer may exceed an item's 400 KB: it stays in its pages, read by pagedResult.
    await this.table.setFields(keys.agentCommand(tenantId, commandId), { state: 'answered' });
    return true;
  }

  /** The result of a paged answer, its pages joined in order. */
  async pagedResult(tenantId: string, commandId: string): Promise<string> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': keys.agentCommand(tenantId, commandId).pk,
        ':prefix': keys.agentAnswerPagePrefix(commandId),
      },
    });
    return items.map((item) => item.chunk as string).join('');
  }
}
