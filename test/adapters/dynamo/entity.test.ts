import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENTITIES } from '#shared/adapters/dynamo/entities/all.ts';
import { auditEntity } from '#shared/adapters/dynamo/entities/audit.ts';
import { guestEntity } from '#shared/adapters/dynamo/entities/guest.ts';
import { laneEntity } from '#shared/adapters/dynamo/entities/lane.ts';
import { runEntity } from '#shared/adapters/dynamo/entities/run.ts';
import { defineEntity, type Lifetimes, MalformedItemError } from '#shared/adapters/dynamo/entity.ts';
import { createTableInput, TABLE_SCHEMA } from '#shared/adapters/dynamo/table-schema.ts';
import type { AuditEvent } from '#shared/domain/audit.ts';
import { testRun } from './fixtures.ts';

const lifetimes: Lifetimes = { nowSeconds: 1_000_000, historyDays: 400, idempotencySeconds: 3600 };

/** A small entity of the test's own, to see the helper do its work without any store. */
const noteEntity = defineEntity({
  name: 'note',
  schema: z.object({ tenantId: z.string(), id: z.string(), text: z.string(), at: z.string() }),
  key: (note: { tenantId: string; id: string }) => ({ pk: `T#${note.tenantId}`, sk: `NOTE#${note.id}` }),
  collection: (tenant: { tenantId: string }) => ({ pk: `T#${tenant.tenantId}`, skPrefix: 'NOTE#' }),
  indexes: {
    byResource: {
      partition: (tenant: { tenantId: string }) => `T#${tenant.tenantId}#NOTES`,
      sort: (note) => `${note.at}#${note.id}`,
    },
  },
  ttl: (_note, clock) => clock.nowSeconds + 60,
});

const note = { tenantId: 'acme', id: 'n1', text: 'hello', at: '2026-01-01T00:00:00.000Z' };

const run = testRun();

describe('defineEntity', () => {
  it('builds the item from the declaration: keys, index keys, entity name, attributes, TTL', () => {
    expect(noteEntity.item(note, { lifetimes })).toEqual({
      pk: 'T#acme',
      sk: 'NOTE#n1',
      gsi1pk: 'T#acme#NOTES',
      gsi1sk: '2026-01-01T00:00:00.000Z#n1',
      entity: 'note',
      ...note,
      ttl: 1_000_060,
    });
    expect(noteEntity.item(note, { ttl: 5 }).ttl).toBe(5);
    expect(() => noteEntity.item(note)).toThrow(/needs the store's lifetimes/);
  });

  it('composes the keys of the README\u2019s data layout', () => {
    expect(runEntity.item(run, { lifetimes })).toMatchObject({
      pk: 'TENANT#acme#RUN#run_1',
      sk: 'RUN',
      gsi1pk: 'TENANT#acme#RUNS',
      gsi1sk: '2026-01-01T02:00:00.000Z#run_1',
      entity: 'run',
      ttl: Date.parse(run.scheduledTime) / 1000 + 400 * 86_400,
    });
    expect(guestEntity.key({ tenantId: 'acme', clusterId: 'cl_1', vmid: 101 })).toEqual({
      pk: 'TENANT#acme',
      sk: 'GUEST#cl_1#000000101',
    });
    expect(laneEntity.key({ tenantId: 'acme', laneSetId: 'run_1', index: 7 }).sk).toBe('LANE#run_1#0007');
  });

  it('composes the queries of its collection and its index', () => {
    expect(noteEntity.query({ tenantId: 'acme' })).toEqual({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'T#acme', ':prefix': 'NOTE#' },
    });
    expect(noteEntity.query({ tenantId: 'acme' }, { from: 'a', to: 'b' })).toEqual({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'T#acme', ':from': 'NOTE#a', ':to': 'NOTE#b' },
    });
    expect(noteEntity.queryIndex('byResource', { tenantId: 'acme' })).toEqual({
      IndexName: 'byResource',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'T#acme#NOTES' },
    });
    expect(() => laneEntity.queryIndex('byResource', undefined)).toThrow(/no key in the byResource index/);
  });

  it('parses an item back into its value, without the table attributes', () => {
    expect(noteEntity.parse(noteEntity.item(note, { lifetimes }))).toEqual(note);
    // Older records hold older status words; they are read in today's.
    expect(runEntity.parse({ ...runEntity.item(run, { lifetimes }), status: 'completed' }).status).toBe(
      'succeeded',
    );
  });

  it('rejects a malformed item with an error naming the item, the attribute and the rule', () => {
    const item = { ...noteEntity.item(note, { lifetimes }), text: 42 };
    expect(() => noteEntity.parse(item)).toThrow(MalformedItemError);
    expect(() => noteEntity.parse(item)).toThrow(
      /T#acme \/ NOTE#n1 is no valid note: text: .*expected string/i,
    );
    const { id: _id, ...withoutId } = noteEntity.item(note, { lifetimes });
    expect(() => noteEntity.parse(withoutId)).toThrow(/id: /);
  });

  it('rejects another entity\u2019s item, and an item without an entity name', () => {
    const event: AuditEvent = {
      id: 'aud_1',
      tenantId: 'acme',
      at: '2026-01-01T00:00:00.000Z',
      actor: 'alice',
      role: 'admin',
      action: 'policy.update',
      resourceType: 'policy',
      resourceId: 'pol_1',
      outcome: 'success',
      requestId: 'req-1',
    };
    const auditItem = auditEntity.item(event, { lifetimes });
    expect(auditEntity.parse(auditItem)).toEqual(event);
    expect(() => runEntity.parse(auditItem)).toThrow(/is no valid run: its entity is "audit"/);
    const { entity: _entity, ...anonymous } = auditItem;
    expect(() => auditEntity.parse(anonymous)).toThrow(/its entity is undefined/);
    expect(() => auditEntity.parse({ ...auditItem, role: 'root' })).toThrow(/role: not a role/);
  });
});

describe('the table declaration', () => {
  it('declares exactly the indexes the entities write keys for', () => {
    const used = new Set(ENTITIES.flatMap((entity) => entity.indexNames));
    expect([...used].sort()).toEqual(Object.keys(TABLE_SCHEMA.indexes).sort());
    expect(
      createTableInput('t')
        .GlobalSecondaryIndexes?.map((index) => index.IndexName)
        .sort(),
    ).toEqual([...used].sort());
  });

  it('gives every entity a name of its own', () => {
    const names = ENTITIES.map((entity) => entity.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
