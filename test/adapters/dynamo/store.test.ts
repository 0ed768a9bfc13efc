import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { localClientConfig } from '#shared/adapters/dynamo/client.ts';
import type { AuditEvent } from '#shared/domain/audit.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '#shared/domain/errors.ts';
import { ensureTable } from '#shared/local/table-bootstrap.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { testRun } from './fixtures.ts';

const cluster = (overrides: Partial<Cluster> = {}): Cluster => ({
  id: 'cl_01JD0000000000000000000001',
  tenantId: 'acme',
  name: 'Lab',
  url: 'https://pve.example.com:8006',
  tokenId: 'root@pam!snap',
  secretRef: 'local:acme/cl_1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...overrides,
});

const auditEvent = (index: number, overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  id: `aud_${String(index).padStart(26, '0')}`,
  tenantId: 'acme',
  at: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString(),
  actor: index % 2 === 0 ? 'alice' : 'bob',
  role: 'admin',
  action: 'policy.update',
  resourceType: 'policy',
  resourceId: `pol_${index % 3}`,
  outcome: 'success',
  requestId: `req-${index}`,
  ...overrides,
});

describe('table bootstrap', () => {
  it('creates the declared table with its index and TTL, and finds it current the second time', async () => {
    const { tableName, endpoint } = await createTestTable();
    const client = new DynamoDBClient(localClientConfig(endpoint));
    const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(table.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byResource']);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
    expect(await ensureTable(client, tableName)).toBe('current');
    client.destroy();
  });
});

describe('versioned entities', () => {
  it('refuses a second entity with the same name in one tenant, in any case', async () => {
    const { store } = await createTestTable();
    await store.clusters.create(cluster(), []);
    await expect(
      store.clusters.create(cluster({ id: 'cl_01JD0000000000000000000002', name: 'LAB' }), []),
    ).rejects.toBeInstanceOf(ConflictError);
    await store.clusters.create(cluster({ tenantId: 'other' }), []);
  });

  it('refuses an update based on a stale version and leaves the stored entity as it was', async () => {
    const { store } = await createTestTable();
    const first = cluster();
    await store.clusters.create(first, []);
    const second = { ...first, name: 'Lab 2', version: 2 };
    await store.clusters.update(first, second, []);
    await expect(
      store.clusters.update(first, { ...first, name: 'Lab 3', version: 2 }, []),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await store.clusters.get('acme', first.id)).toEqual(second);
  });

  it('frees the old name on rename and the name on delete', async () => {
    const { store } = await createTestTable();
    const first = cluster();
    await store.clusters.create(first, []);
    const renamed = { ...first, name: 'Renamed', version: 2 };
    await store.clusters.update(first, renamed, []);
    await store.clusters.create(cluster({ id: 'cl_01JD0000000000000000000003' }), []);
    await store.clusters.remove(renamed, []);
    await store.clusters.create(cluster({ id: 'cl_01JD0000000000000000000004', name: 'Renamed' }), []);
    await expect(store.clusters.remove(renamed, [])).rejects.toBeInstanceOf(NotFoundError);
  });

  it('writes the audit entry in the same transaction: a failed write leaves no audit event', async () => {
    const { store } = await createTestTable();
    await store.clusters.create(cluster(), [store.audit.entry(auditEvent(1))]);
    await expect(
      store.clusters.create(cluster({ id: 'cl_01JD0000000000000000000005' }), [
        store.audit.entry(auditEvent(2)),
      ]),
    ).rejects.toBeInstanceOf(ConflictError);
    const page = await store.audit.list('acme', { limit: 10 });
    expect(page.items.map((event) => event.id)).toEqual([auditEvent(1).id]);
  });
});

describe('pagination', () => {
  it('walks every item exactly once across pages, newest first, and rejects a tampered cursor', async () => {
    const { store } = await createTestTable();
    for (let index = 0; index < 23; index++) await store.audit.record(auditEvent(index));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.audit.list('acme', { limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((event) => event.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, index) => auditEvent(22 - index).id));

    const first = await store.audit.list('acme', { limit: 5 });
    const tampered = `${first.nextCursor?.slice(0, -2)}xx`;
    await expect(store.audit.list('acme', { limit: 5, cursor: tampered })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      store.audit.list('other', { limit: 5, ...(first.nextCursor ? { cursor: first.nextCursor } : {}) }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('fills filtered pages fully and uses the resource index for a resource filter', async () => {
    const { store } = await createTestTable();
    for (let index = 0; index < 30; index++) await store.audit.record(auditEvent(index));
    const byActor = await store.audit.list('acme', { actor: 'bob', limit: 4 });
    expect(byActor.items).toHaveLength(4);
    expect(byActor.items.every((event) => event.actor === 'bob')).toBe(true);
    const all: AuditEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.audit.list('acme', {
        resourceType: 'policy',
        resourceId: 'pol_1',
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(all.map((event) => event.id)).toEqual(
      Array.from({ length: 30 }, (_, index) => 29 - index)
        .filter((index) => index % 3 === 1)
        .map((index) => auditEvent(index).id),
    );
  });
});

describe('expiry', () => {
  it('hides items whose TTL has passed before DynamoDB deletes them', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store } = await createTestTable({ now: () => now });
    await store.exclusions.create(
      {
        id: 'exc_01JD0000000000000000000001',
        tenantId: 'acme',
        guestId: 'cl_01JD0000000000000000000001.100',
        reason: 'maintenance',
        expiresAt: '2026-01-01T01:00:00.000Z',
        createdAt: '2026-01-01T00:00:00.000Z',
        createdBy: 'alice',
      },
      [],
    );
    expect((await store.exclusions.list('acme', { limit: 10 })).items).toHaveLength(1);
    now = Date.parse('2026-01-01T01:00:01Z');
    expect((await store.exclusions.list('acme', { limit: 10 })).items).toHaveLength(0);
    expect(await store.exclusions.get('acme', 'exc_01JD0000000000000000000001')).toBeUndefined();
  });
});

describe('notification deliveries', () => {
  it('claims a delivery once, lets a claim abandoned for 3 minutes be taken over, and queues an event once', async () => {
    let now = Date.parse('2026-11-23T10:00:00Z');
    const { store } = await createTestTable({ now: () => now });
    const delivery = {
      tenantId: 't1',
      subscriptionId: 'sub_1',
      eventId: 'evt_1',
      eventType: 'run.failed',
      createdAt: new Date(now).toISOString(),
      status: 'delivering' as const,
      attempts: [],
    };
    expect(await store.deliveries.claim(delivery)).toBe(true);
    expect(await store.deliveries.claim(delivery)).toBe(false);
    now += 2 * 60_000;
    expect(await store.deliveries.claim(delivery)).toBe(false);
    now += 2 * 60_000;
    expect(await store.deliveries.claim(delivery)).toBe(true);
    await store.deliveries.save({ ...delivery, status: 'delivered' });
    now += 60 * 60_000;
    // A finished delivery is never taken over, however old.
    expect(await store.deliveries.claim(delivery)).toBe(false);
    expect((await store.deliveries.list('t1', 'sub_1', { limit: 10 })).items.map((d) => d.status)).toEqual([
      'delivered',
    ]);

    // Several at once (one transaction): the one claimed before is left out, the others claimed.
    const others = ['sub_2', 'sub_3'].map((subscriptionId) => ({ ...delivery, subscriptionId }));
    expect(await store.deliveries.claimAll([others[0], delivery, others[1]] as (typeof delivery)[])).toEqual([
      true,
      false,
      true,
    ]);
    expect(await store.deliveries.claimAll(others)).toEqual([false, false]);

    const event = {
      id: 'evt_2',
      type: 'run.failed' as const,
      time: new Date(now).toISOString(),
      tenantId: 't1',
      outcome: 'failure' as const,
      data: {},
    };
    expect(await store.deliveries.enqueue(event)).toBe(true);
    expect(await store.deliveries.enqueue(event)).toBe(false);
    expect(await store.deliveries.pending(10)).toEqual([event]);
    await store.deliveries.dequeueAll([event.id]);
    expect(await store.deliveries.pending(10)).toEqual([]);
  });

  it('pages a subscription\u2019s deliveries newest first, each once, with a cursor bound to the subscription', async () => {
    const { store } = await createTestTable();
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 10, minute)).toISOString();
    // Event ids are hashes: their order says nothing about time.
    const deliveries = Array.from({ length: 7 }, (_, index) => ({
      tenantId: 't1',
      subscriptionId: 'sub_1',
      eventId: `evt_${((7 - index) * 37) % 11}`,
      eventType: 'run.failed',
      createdAt: at(index),
      status: 'delivered' as const,
      attempts: [],
    }));
    await store.deliveries.saveAll(deliveries);
    await store.deliveries.save({ ...deliveries[0], subscriptionId: 'sub_2', eventId: 'evt_other' } as never);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.deliveries.list('t1', 'sub_1', { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((d) => d.createdAt));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(deliveries.map((d) => d.createdAt).reverse());
    const first = await store.deliveries.list('t1', 'sub_1', { limit: 3 });
    await expect(
      store.deliveries.list('t1', 'sub_2', { limit: 3, cursor: first.nextCursor as string }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('subscriptions', () => {
  it('pages a tenant\u2019s subscriptions oldest first, each once', async () => {
    const { store } = await createTestTable();
    const subscriptions = Array.from({ length: 5 }, (_, index) => ({
      id: `sub_01JD00000000000000000000${String(index).padStart(2, '0')}`,
      tenantId: 'acme',
      kind: 'email' as const,
      target: `ops${index}@example.com`,
      filters: {},
      status: 'active' as const,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      version: 1,
    }));
    for (const subscription of subscriptions) await store.subscriptions.create(subscription, []);
    const first = await store.subscriptions.list('acme', { limit: 2 });
    const second = await store.subscriptions.list('acme', { limit: 2, cursor: first.nextCursor as string });
    const third = await store.subscriptions.list('acme', { limit: 2, cursor: second.nextCursor as string });
    expect([...first.items, ...second.items, ...third.items].map((s) => s.id)).toEqual(
      subscriptions.map((s) => s.id),
    );
    expect(third.nextCursor).toBeUndefined();
    expect((await store.subscriptions.list('other', { limit: 2 })).items).toEqual([]);
  });
});

describe('reading several items in one request', () => {
  it('answers each read in order, undefined for one that is absent, the same item twice when asked twice', async () => {
    const { store } = await createTestTable();
    await store.clusters.create(cluster(), []);
    await store.runs.create(testRun({ tenantId: 'acme' }));
    await store.tenants.ensure('acme');
    const [run, found, missing, again, profile] = await store.table.getAll([
      store.runs.read('acme', 'run_1'),
      store.clusters.read('acme', cluster().id),
      store.clusters.read('acme', 'cl_01JD0000000000000000000009'),
      store.clusters.read('acme', cluster().id),
      store.tenants.read('acme'),
    ] as const);
    // The run's own item: its state, without the counts a running run keeps on its shares.
    expect(await store.runs.get('acme', 'run_1')).toMatchObject(run ?? { missing: true });
    expect(run?.status).toBe('running');
    expect(run).not.toHaveProperty('succeeded');
    expect(found).toEqual(await store.clusters.get('acme', cluster().id));
    expect(found?.name).toBe('Lab');
    expect(missing).toBeUndefined();
    expect(again).toEqual(found);
    expect(profile).toEqual(await store.tenants.get('acme'));
    expect(profile).toBeDefined();
    // Another tenant's keys find nothing of acme's.
    const [theirs] = await store.table.getAll([store.clusters.read('other', cluster().id)] as const);
    expect(theirs).toBeUndefined();
  });
});
