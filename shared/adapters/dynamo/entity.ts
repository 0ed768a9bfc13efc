import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { type IndexName, isIndexName, TABLE_SCHEMA } from './table-schema.ts';

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** An item as DynamoDB holds it, before its entity's declaration has parsed it. */
export type Item = Record<string, unknown>;

/** What the TTL rules of entities read: the clock and the store's configured lifetimes. */
export interface Lifetimes {
  /** Now, in epoch seconds. */
  readonly nowSeconds: number;
  /** How long runs, their results, operations and audit events are kept. */
  readonly historyDays: number;
  /** How long an idempotency key keeps its response. */
  readonly idempotencySeconds: number;
}

/** An entity's key in a secondary index. */
interface IndexKey<T, P> {
  /** The index partition, from the fields a query knows (a part of the entity's fields). */
  readonly partition: (fields: P) => string;
  /** The index sort key of one item. */
  readonly sort: (value: T) => string;
}

/** Where an entity's items are listed: their partition and the sort-key prefix they share. */
interface Collection {
  readonly pk: string;
  readonly skPrefix?: string;
}

/**
 * Everything the table knows about one entity, declared once: its name (the `entity` attribute
 * of every item), the attributes it stores (a zod schema, the item type derived from it), its
 * primary key, the collection it is listed from, its keys in secondary indexes and its TTL.
 */
export interface EntityDeclaration<T, K, C, P> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  readonly key: (fields: K) => ItemKey;
  readonly collection?: (fields: C) => Collection;
  readonly indexes?: { readonly [N in IndexName]?: IndexKey<T, P> };
  /** Epoch seconds after which the item is gone (undefined: kept). */
  readonly ttl?: (value: T, lifetimes: Lifetimes) => number | undefined;
}

/** A sort-key range, both ends included, each after the collection's prefix. */
interface KeyRange {
  readonly from: string;
  readonly to: string;
}

/** The key part of a Query: the index (if any) and the key condition with its values. */
export type KeyQuery = Pick<
  QueryCommandInput,
  'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeValues'
>;

/** How an item is written: with the store's lifetimes when the entity has a TTL rule, or an explicit TTL. */
interface ItemOptions {
  readonly lifetimes?: Lifetimes;
  readonly ttl?: number;
}

/** An item read back that its entity's declaration does not describe (wrong entity, missing or mistyped attribute). */
export class MalformedItemError extends Error {
  readonly entity: string;

  constructor(entity: string, item: Item, problems: string) {
    super(
      `the item ${String(item[TABLE_SCHEMA.partitionKey])} / ${String(item[TABLE_SCHEMA.sortKey])} is no valid ${entity}: ${problems}`,
    );
    this.name = 'MalformedItemError';
    this.entity = entity;
  }
}

export interface Entity<T, K, C, P> {
  readonly name: string;
  /** The secondary indexes this entity writes keys for. */
  readonly indexNames: readonly IndexName[];
  key(fields: K): ItemKey;
  /** The item that stores `value` (which holds its own key fields): keys, index keys, entity name, attributes, TTL. */
  item(value: T & K, options?: ItemOptions): Item;
  /** The item that stores `value` under a key the value does not hold. */
  item(value: T, options: ItemOptions & { readonly key: K }): Item;
  /** The value an item holds, checked against the declaration; table attributes stripped. */
  parse(item: Item): T;
  /** The Query over the entity's collection (optionally a sort-key range within it). */
  query(fields: C, range?: KeyRange): KeyQuery;
  /** The Query over one partition of one of the entity's indexes (optionally a sort-key range). */
  queryIndex(name: IndexName, fields: P, range?: KeyRange): KeyQuery;
}

/** Declares an entity (see {@link EntityDeclaration}) and derives its item building, parsing and queries. */
export function defineEntity<T extends P, K, C = never, P = unknown>(
  declaration: EntityDeclaration<T, K, C, P>,
): Entity<T, K, C, P> {
  const indexes = Object.entries(declaration.indexes ?? {}).flatMap(([name, index]) =>
    isIndexName(name) && index ? [{ name, index, attributes: TABLE_SCHEMA.indexes[name] }] : [],
  );
  return {
    name: declaration.name,
    indexNames: indexes.map((index) => index.name),
    key: declaration.key,
    item(value: T, options?: ItemOptions & { readonly key?: K }) {
      // Without `key` the overloads have checked that the value holds the key fields itself.
      const keyFields = (options?.key ?? value) as K;
      const item: Item = { ...declaration.key(keyFields) };
      for (const { index, attributes } of indexes) {
        item[attributes.partitionKey] = index.partition(value);
        item[attributes.sortKey] = index.sort(value);
      }
      item[TABLE_SCHEMA.entityAttribute] = declaration.name;
      Object.assign(item, value);
      const ttl = options?.ttl ?? ttlOf(declaration.name, declaration.ttl, value, options?.lifetimes);
      if (ttl !== undefined) item[TABLE_SCHEMA.ttlAttribute] = ttl;
      return item;
    },
    parse(item) {
      const entity = item[TABLE_SCHEMA.entityAttribute];
      if (entity !== declaration.name) {
        throw new MalformedItemError(declaration.name, item, `its entity is ${JSON.stringify(entity)}`);
      }
      const parsed = declaration.schema.safeParse(item);
      if (parsed.success) return parsed.data;
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`)
        .join('; ');
      throw new MalformedItemError(declaration.name, item, problems);
    },
    query(fields, range) {
      if (!declaration.collection) throw new Error(`the ${declaration.name} entity declares no collection`);
      const { pk, skPrefix = '' } = declaration.collection(fields);
      return keyQuery(TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey, pk, skPrefix, range);
    },
    queryIndex(name, fields, range) {
      const found = indexes.find((index) => index.name === name);
      if (!found) throw new Error(`the ${declaration.name} entity has no key in the ${name} index`);
      const { partitionKey, sortKey } = found.attributes;
      return {
        IndexName: name,
        ...keyQuery(partitionKey, sortKey, found.index.partition(fields), '', range),
      };
    },
  };
}

function ttlOf<T>(
  entity: string,
  rule: EntityDeclaration<T, unknown, unknown, unknown>['ttl'],
  value: T,
  lifetimes: Lifetimes | undefined,
): number | undefined {
  if (!rule) return undefined;
  if (!lifetimes) throw new Error(`writing a ${entity} needs the store's lifetimes (its TTL rule)`);
  return rule(value, lifetimes);
}

function keyQuery(
  partitionKey: string,
  sortKey: string,
  pk: string,
  skPrefix: string,
  range: KeyRange | undefined,
): KeyQuery {
  if (range) {
    return {
      KeyConditionExpression: `${partitionKey} = :pk AND ${sortKey} BETWEEN :from AND :to`,
      ExpressionAttributeValues: { ':pk': pk, ':from': skPrefix + range.from, ':to': skPrefix + range.to },
    };
  }
  if (skPrefix) {
    return {
      KeyConditionExpression: `${partitionKey} = :pk AND begins_with(${sortKey}, :prefix)`,
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    };
  }
  return { KeyConditionExpression: `${partitionKey} = :pk`, ExpressionAttributeValues: { ':pk': pk } };
}

/** Epoch seconds `days` after an ISO time. */
export const daysAfter = (iso: string, days: number): number =>
  Math.floor(Date.parse(iso) / 1000) + days * 86_400;

/** The partition every tenant-owned key starts with: no query can cross tenants. */
export const tenantPartition = (tenantId: string): string => `TENANT#${tenantId}`;

/**
 * The key and collection of an entity kept by id in its tenant's partition, under
 * `<PREFIX>#<id>` (clusters, policies, exclusions, operations, subscriptions).
 */
export const byIdInTenant = (prefix: string) => ({
  key: (entity: { tenantId: string; id: string }) => ({
    pk: tenantPartition(entity.tenantId),
    sk: `${prefix}#${entity.id}`,
  }),
  collection: (tenant: { tenantId: string }) => ({
    pk: tenantPartition(tenant.tenantId),
    skPrefix: `${prefix}#`,
  }),
});
