import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { idempotencyEntity } from './entities/idempotency.ts';
import type { TableAccess } from './table-access.ts';

/** The response a first request produced, kept so a retry with the same key gets it again. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type IdempotencyRecord =
  | { readonly state: 'in_progress'; readonly fingerprint: string }
  | { readonly state: 'completed'; readonly fingerprint: string; readonly response: StoredResponse };

/**
 * Idempotency keys per tenant. A key is claimed before the work starts (so two concurrent
 * requests with one key cannot both run), completed with the response, and expires by TTL.
 */
export class IdempotencyStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  /** Claims the key; returns the existing record instead when the key is already in use. */
  async claim(tenantId: string, key: string, fingerprint: string): Promise<IdempotencyRecord | undefined> {
    const lifetimes = this.#table.lifetimes();
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.tableName,
          Item: idempotencyEntity.item(
            { state: 'in_progress', fingerprint },
            { key: { tenantId, key }, lifetimes },
          ),
          // An expired record that TTL has not removed yet counts as free.
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': lifetimes.nowSeconds },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) {
        return idempotencyEntity.parse(unmarshall(error.Item));
      }
      throw error;
    }
  }

  async complete(tenantId: string, key: string, response: StoredResponse): Promise<void> {
    await this.#table.updateIf(idempotencyEntity.key({ tenantId, key }), {
      set: { state: 'completed', response },
    });
  }

  /** Frees the key after a request that changed nothing, so the client may retry it. */
  async release(tenantId: string, key: string): Promise<void> {
    await this.#table.deleteItem(idempotencyEntity.key({ tenantId, key }));
  }
}
