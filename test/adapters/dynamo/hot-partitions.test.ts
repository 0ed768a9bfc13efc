import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { AUDIT_SHARDS, auditShardOf } from '#shared/adapters/dynamo/entities/audit.ts';
import type { AuditEvent } from '#shared/domain/audit.ts';
import type { RunGuestResult } from '#shared/domain/run.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { ensureTable } from '#shared/local/table-bootstrap.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { testRun } from './fixtures.ts';

const event = (tenantId: string, index: number, minute: number): AuditEvent => ({
  id: `aud_${String(index).padStart(26, '0')}`,
  tenantId,
  at: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
  actor: index % 3 === 0 ? 'alice' : 'bob',
  role: 'admin',
  action: 'policy.update',
  resourceType: 'policy',
  resourceId: 'pol_1',
  outcome: 'success',
  requestId: `req-${index}`,
});

/** The order one partition gave: newest first by `<at>#<id>`. */
const newestFirst = (events: readonly AuditEvent[]) =>
  [...events].sort((a, b) => (`${b.at}#${b.id}` < `${a.at}#${a.id}` ? -1 : 1));

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

describe('a write-sharded audit trail', () => {
  it('spreads one tenant\u2019s events over its shards, each event always on the same one', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, index) => auditShardOf(`aud_${index}`)));
    expect(shards.size).toBe(AUDIT_SHARDS);
    expect(auditShardOf('aud_42')).toBe(auditShardOf('aud_42'));
  });

  it('lists the same pages, in the same order, as one partition did (random times, page sizes, filters)', async () => {
    const { store } = await createTestTable();
    let tenant = 0;
    await fc.assert(
      fc.asyncProperty(
        // Few distinct minutes: many events share a time, so the id decides their order.
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(undefined, 'alice'),
        async (minutes, limit, actor) => {
          const tenantId = `t${tenant++}`;
          const events = minutes.map((minute, index) => event(tenantId, index, minute));
          await Promise.all(events.map((written) => store.audit.record(written)));
          const expected = newestFirst(
            events.filter((written) => actor === undefined || written.actor === actor),
          );
          const pages: string[][] = [];
          let cursor: string | undefined;
          do {
            const page = await store.audit.list(tenantId, {
              limit,
              ...(actor ? { actor } : {}),
              ...(cursor ? { cursor } : {}),
            });
            pages.push(page.items.map((listed) => listed.id));
            cursor = page.nextCursor;
          } while (cursor);
          const wanted = chunks(
            expected.map((written) => written.id),
            limit,
          );
          expect(pages).toEqual(wanted.length ? wanted : [[]]);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('keeps a time range a key range across the shards', async () => {
    const { store } = await createTestTable();
    const events = Array.from({ length: 24 }, (_, index) => event('acme', index, index));
    for (const written of events) await store.audit.record(written);
    const page = await store.audit.list('acme', {
      from: event('acme', 5, 5).at,
      to: event('acme', 12, 12).at,
      limit: 100,
    });
    expect(page.items.map((listed) => listed.id)).toEqual(
      newestFirst(events.slice(5, 13)).map((written) => written.id),
    );
  });
});

describe('a run\u2019s writes', () => {
  it('land on more than one partition key, and none on the tenant\u2019s own partition', async () => {
    const { store, tableName } = await createTestTable();
    const run = testRun();
    expect(await store.runs.create(run)).toBe(true);
    for (const vmid of [101, 102, 103]) {
      const guestId = `cl_1.${vmid}`;
      const result: RunGuestResult = {
        runId: run.id,
        guestId,
        vmid,
        node: 'pve1',
        snapshotName: 'auto-20260101-0200',
        outcome: 'succeeded',
        finishedAt: '2026-01-01T02:01:00.000Z',
      };
      const record: SnapshotRecord = {
        tenantId: 'acme',
        guestId,
        name: 'auto-20260101-0200',
        policyId: 'pol_1',
        runId: run.id,
        status: 'created',
        vmstate: false,
        createdAt: '2026-01-01T02:01:00.000Z',
      };
      expect(await store.runs.recordResult('acme', result, record)).toBe('recorded');
    }
    const scanned = await store.table.doc.send(new ScanCommand({ TableName: tableName }));
    const partitions = new Set((scanned.Items ?? []).map((item) => String(item.pk)));
    // The run and its results share the run's partition; each guest's record its own.
    expect(partitions.size).toBe(4);
    expect(partitions.has('TENANT#acme')).toBe(false);
    expect((await store.runs.get('acme', run.id))?.succeeded).toBe(3);
    expect((await store.runs.results('acme', run.id)).map((result) => result.guestId).sort()).toEqual([
      'cl_1.101',
      'cl_1.102',
      'cl_1.103',
    ]);
    expect((await store.snapshots.list('acme', 'cl_1.102')).map((record) => record.name)).toEqual([
      'auto-20260101-0200',
    ]);
  });
});

describe('a table written under the earlier layout', () => {
  it('has its runs, results, snapshot records and audit events moved to their keys now at bootstrap', async () => {
    const { store, tableName, endpoint } = await createTestTable();
    const legacy = [
      {
        pk: 'TENANT#acme',
        sk: 'RUN#run_1',
        gsi1pk: 'TENANT#acme#RUNS',
        gsi1sk: '2026-01-01T02:00:00.000Z#run_1',
        entity: 'run',
        ...testRun({ status: 'succeeded', targets: 1, succeeded: 1 }),
        // A word of the older vocabulary: read as `succeeded`.
        status: 'completed',
        ttl: 4_000_000_000,
      },
      {
        pk: 'TENANT#acme',
        sk: 'RUN#run_1#GUEST#cl_1.101',
        entity: 'run-result',
        tenantId: 'acme',
        runId: 'run_1',
        guestId: 'cl_1.101',
        vmid: 101,
        node: 'pve1',
        snapshotName: 'auto-20260101-0200',
        outcome: 'succeeded',
        finishedAt: '2026-01-01T02:01:00.000Z',
        ttl: 4_000_000_000,
      },
      {
        pk: 'TENANT#acme',
        sk: 'SNAPSHOT#cl_1.101#auto-20260101-0200',
        entity: 'snapshot',
        tenantId: 'acme',
        guestId: 'cl_1.101',
        name: 'auto-20260101-0200',
        status: 'created',
        vmstate: false,
        createdAt: '2026-01-01T02:01:00.000Z',
      },
      {
        pk: 'TENANT#acme#AUDIT',
        sk: '2026-01-01T00:00:00.000Z#aud_1',
        gsi1pk: 'TENANT#acme#RESOURCE#policy#pol_1',
        gsi1sk: '2026-01-01T00:00:00.000Z#aud_1',
        entity: 'audit',
        ...event('acme', 1, 0),
        id: 'aud_1',
        ttl: 4_000_000_000,
      },
    ];
    for (const Item of legacy) await store.table.doc.send(new PutCommand({ TableName: tableName, Item }));
    const client = new DynamoDBClient(localClientConfig(endpoint));
    expect(await ensureTable(client, tableName)).toBe('migrated');
    expect(await ensureTable(client, tableName)).toBe('current');
    client.destroy();

    expect((await store.runs.get('acme', 'run_1'))?.status).toBe('succeeded');
    expect((await store.runs.results('acme', 'run_1')).map((result) => result.guestId)).toEqual(['cl_1.101']);
    expect((await store.snapshots.list('acme', 'cl_1.101')).map((record) => record.name)).toEqual([
      'auto-20260101-0200',
    ]);
    expect((await store.audit.list('acme', { limit: 10 })).items.map((listed) => listed.id)).toEqual([
      'aud_1',
    ]);
    const scanned = await store.table.doc.send(new ScanCommand({ TableName: tableName }));
    const keys = (scanned.Items ?? []).map((item) => `${item.pk} ${item.sk}`);
    for (const old of legacy) expect(keys).not.toContain(`${old.pk} ${old.sk}`);
    expect(scanned.Items?.find((item) => item.entity === 'audit')?.ttl).toBe(4_000_000_000);
  });
});
