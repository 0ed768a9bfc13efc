import { randomBytes } from 'node:crypto';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import {
  countsOf,
  RUN_COUNTER_SHARES,
  shareOf,
  USAGE_COUNTER_SHARES,
} from '#shared/adapters/dynamo/counter-shares.ts';
import type { RunCounterShare } from '#shared/adapters/dynamo/entities/run.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { finalRunStatus, type Run, type RunGuestResult, type RunStatus } from '#shared/domain/run.ts';
import { playTransactionConflicts } from '#shared/local/dynamo/transaction-conflicts.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { testRun } from './fixtures.ts';

const guestIds = (count: number) =>
  Array.from({ length: count }, (_, index) => `cl_01JD7W3M4Q8Z.${100 + index}`);

describe('choosing a share', () => {
  it('gives a key the same share every time, always one of the shares', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, shares) => {
        const share = shareOf(key, shares);
        expect(share).toBe(shareOf(key, shares));
        expect(Number.isInteger(share) && share >= 0 && share < shares).toBe(true);
      }),
    );
  });

  it('spreads a run\u2019s guests (ids differing in their last digits) over every share, none holding twice its part', () => {
    const load = new Array<number>(RUN_COUNTER_SHARES).fill(0);
    for (const guestId of guestIds(1_000))
      load[shareOf(guestId, RUN_COUNTER_SHARES)] = (load[shareOf(guestId, RUN_COUNTER_SHARES)] ?? 0) + 1;
    expect(Math.min(...load)).toBeGreaterThan(0);
    expect(Math.max(...load)).toBeLessThan((2 * 1_000) / RUN_COUNTER_SHARES);
  });
});

describe('a run\u2019s counts', () => {
  const share = fc.record({
    succeeded: fc.option(fc.nat(1_000), { nil: undefined }),
    failed: fc.option(fc.nat(1_000), { nil: undefined }),
    skipped: fc.option(fc.nat(1_000), { nil: undefined }),
  });

  it('are, while it runs, its item\u2019s plus every share\u2019s; once ended, its item\u2019s alone', () => {
    fc.assert(
      fc.property(fc.array(share, { maxLength: RUN_COUNTER_SHARES }), fc.nat(50), (counts, onItem) => {
        const shares = counts.map(
          (count, index): RunCounterShare => ({ tenantId: 'acme', runId: 'run_1', share: index, ...count }),
        );
        const total = (field: 'succeeded' | 'failed' | 'skipped') =>
          counts.reduce((sum, count) => sum + (count[field] ?? 0), 0);
        const running = testRun({ succeeded: onItem, failed: 0 });
        expect(countsOf(running, shares)).toMatchObject({
          succeeded: onItem + total('succeeded'),
          failed: total('failed'),
        });
        expect(countsOf(running, shares).skipped).toBe(total('skipped') > 0 ? total('skipped') : undefined);
        const ended = testRun({ status: 'succeeded', succeeded: 3, failed: 0 });
        expect(countsOf(ended, shares)).toEqual({ succeeded: 3, failed: 0 });
      }),
    );
  });
});

/** A store whose table plays DynamoDB's transaction conflicts, as the local runtime's does. */
async function conflictingStore() {
  const { tableName, endpoint } = await createTestTable();
  const doc = createDocumentClient(localClientConfig(endpoint));
  const conflicts = playTransactionConflicts(doc);
  return { store: createStore({ doc, tableName, cursorKey: randomBytes(32) }), conflicts, doc, tableName };
}

const result = (guestId: string, index: number): RunGuestResult => ({
  runId: 'run_1',
  guestId,
  vmid: 100 + index,
  node: 'pve1',
  snapshotName: 'auto-1',
  outcome: index % 5 === 0 ? 'failed' : 'succeeded',
  finishedAt: '2026-01-01T02:01:00.000Z',
});

const recordOf = (guestId: string) => ({
  tenantId: 'acme',
  guestId,
  name: 'auto-1',
  status: 'created' as const,
  vmstate: false,
  createdAt: '2026-01-01T02:01:00.000Z',
});

describe('results landing together on one run', () => {
  it('each either counts before the run stops counting or is late: the ended run\u2019s counts are exactly the counted ones', async () => {
    const { store } = await conflictingStore();
    const guests = guestIds(45);
    expect(await store.runs.claim(testRun({ targets: guests.length }))).toBe(true);
    const record = (from: number, to: number) =>
      guests
        .slice(from, to)
        .map((guestId, offset) =>
          store.runs.recordResult('acme', result(guestId, from + offset), recordOf(guestId)),
        );
    // Before counting stops: all count.
    expect(new Set(await Promise.all(record(0, 15)))).toEqual(new Set(['recorded']));
    // While it stops: each counts or is late.
    const landing = record(15, 30);
    const counted = await store.runs.closeCounting('acme', 'run_1');
    const raced = await Promise.all(landing);
    // After: all late.
    expect(new Set(await Promise.all(record(30, 45)))).toEqual(new Set(['late']));
    if (!counted) throw new Error('the run is gone');
    const outcomes = [...Array<string>(15).fill('recorded'), ...raced];
    const countedIndexes = outcomes.flatMap((outcome, index) => (outcome === 'recorded' ? [index] : []));
    expect(raced.every((outcome) => outcome === 'recorded' || outcome === 'late')).toBe(true);
    expect(counted.succeeded + counted.failed).toBe(countedIndexes.length);
    expect(counted.failed).toBe(countedIndexes.filter((index) => index % 5 === 0).length);
    const status = finalRunStatus(counted);
    expect(
      await store.runs.finish('acme', 'run_1', counted, { status, finishedAt: '2026-01-01T03:00:00.000Z' }),
    ).toBe(true);
    expect(await store.runs.get('acme', 'run_1')).toMatchObject({
      status,
      succeeded: counted.succeeded,
      failed: counted.failed,
      late: 15 + raced.filter((outcome) => outcome === 'late').length,
    });
    // Every guest's result is kept either way.
    expect(await store.runs.results('acme', 'run_1')).toHaveLength(guests.length);
  });

  it('all count when the run keeps counting, however many meet on a share', async () => {
    const { store, conflicts } = await conflictingStore();
    const guests = guestIds(60);
    expect(await store.runs.claim(testRun({ targets: guests.length }))).toBe(true);
    const recorded = await Promise.all(
      guests.map((guestId, index) =>
        store.runs.recordResult('acme', result(guestId, index), recordOf(guestId)),
      ),
    );
    expect(new Set(recorded)).toEqual(new Set(['recorded']));
    expect(await store.runs.get('acme', 'run_1')).toMatchObject({
      succeeded: 48,
      failed: 12,
      status: 'running',
    });
    // They met on shares (DynamoDB Local serves one request at a time, so a burst holds each share
    // long) and were sent again until each landed once.
    expect(conflicts.played()).toBeGreaterThan(0);
  });

  it('count on the run\u2019s own item for a run claimed before shares existed, until it stops counting', async () => {
    const { store } = await conflictingStore();
    const guests = guestIds(4);
    // Created, never claimed by this version: no shares.
    await store.runs.create(testRun({ targets: guests.length }));
    const record = (index: number) =>
      store.runs.recordResult(
        'acme',
        result(guests[index] as string, index),
        recordOf(guests[index] as string),
      );
    expect([await record(0), await record(1)]).toEqual(['recorded', 'recorded']);
    expect(await store.runs.get('acme', 'run_1')).toMatchObject({ succeeded: 1, failed: 1 });
    const counted = await store.runs.closeCounting('acme', 'run_1');
    expect(counted).toMatchObject({ succeeded: 1, failed: 1, status: 'running' });
    // Stopped counting, not yet ended: late, on the item as on a share.
    expect(await record(2)).toBe('late');
    if (!counted) throw new Error('the run is gone');
    await store.runs.finish('acme', 'run_1', counted, {
      status: 'partially_failed',
      finishedAt: '2026-01-01T03:00:00.000Z',
    });
    expect(await record(3)).toBe('late');
    expect(await store.runs.get('acme', 'run_1')).toMatchObject({ succeeded: 1, failed: 1, late: 2 });
  });

  it('of a run that does not exist are refused, and leave no share behind', async () => {
    const { store, doc, tableName } = await conflictingStore();
    await expect(
      store.runs.recordResult('acme', result('cl_01JD7W3M4Q8Z.100', 1), recordOf('cl_01JD7W3M4Q8Z.100')),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    const left = await doc.send(new ScanCommand({ TableName: tableName }));
    expect(left.Items ?? []).toEqual([]);
  });

  it('count again after a resume that found counting closed by a finish the crash cut short', async () => {
    const { store } = await conflictingStore();
    const guests = guestIds(2);
    const record = (index: number) =>
      store.runs.recordResult(
        'acme',
        result(guests[index] as string, index + 1),
        recordOf(guests[index] as string),
      );
    const finish = async (counted: Run | undefined, status: RunStatus, finishedAt: string) => {
      if (!counted) throw new Error('the run is gone');
      return await store.runs.finish('acme', 'run_1', counted, { status, finishedAt });
    };
    await store.runs.claim(testRun({ targets: guests.length }));
    const counted = await store.runs.closeCounting('acme', 'run_1');
    expect(await store.runs.resume('acme', 'run_1', '2026-01-01T02:30:00.000Z')).toBe(true);
    // The finish that read before the resume no longer holds: its counts may be stale now.
    expect(await finish(counted, 'failed', '2026-01-01T02:31:00.000Z')).toBe(false);
    expect(await record(0)).toBe('recorded');
    expect(await store.runs.get('acme', 'run_1')).toMatchObject({ succeeded: 1, status: 'running' });
    // A finished run is not taken over again, nor are its shares reopened.
    const closed = await store.runs.closeCounting('acme', 'run_1');
    expect(await finish(closed, 'partially_failed', '2026-01-01T02:40:00.000Z')).toBe(true);
    expect(await store.runs.resume('acme', 'run_1', '2026-01-01T02:50:00.000Z')).toBe(false);
    expect(await record(1)).toBe('late');
  });

  it('stop counting when a run fails as a whole', async () => {
    const { store } = await conflictingStore();
    const guests = guestIds(2);
    await store.runs.claim(testRun({ targets: guests.length }));
    expect(
      await store.runs.recordResult('acme', result(guests[0] as string, 1), recordOf(guests[0] as string)),
    ).toBe('recorded');
    expect(
      await store.runs.fail('acme', 'run_1', '2026-01-01T02:30:00.000Z', 'the workflow did not start'),
    ).toBe(true);
    expect(
      await store.runs.recordResult('acme', result(guests[1] as string, 2), recordOf(guests[1] as string)),
    ).toBe('late');
    expect(await store.runs.get('acme', 'run_1')).toMatchObject({
      status: 'failed',
      succeeded: 1,
      failed: 0,
      late: 1,
    });
  });
});

describe('a tenant\u2019s usage counter over shares', () => {
  it('sums a storage\u2019s shares (and a counter written before shares), and the sweep\u2019s correction replaces them all', async () => {
    const { store, doc, tableName } = await conflictingStore();
    // Written before shares: one item per storage.
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: 'TENANT#acme',
          sk: 'USAGE#local',
          entity: 'usage',
          tenantId: 'acme',
          storage: 'local',
          bytes: 5,
          archives: 1,
        },
      }),
    );
    const backup = (guestId: string, index: number): BackupRecord => {
      const volid = `local:backup/vzdump-qemu-${100 + index}-2026_01_01-02_00_00.vma.zst`;
      return {
        id: formatBackupId(guestId, volid),
        tenantId: 'acme',
        guestId,
        clusterId: 'cl_01JD7W3M4Q8Z',
        node: 'pve1',
        guestType: 'qemu',
        vmid: 100 + index,
        storage: 'local',
        volid,
        createdAt: '2026-01-01T02:01:00.000Z',
        status: 'created',
        origin: 'policy',
        size: 10,
      };
    };
    const guests = guestIds(24);
    await Promise.all(guests.map((guestId, index) => store.backups.putIfNew(backup(guestId, index))));
    const sharesUsed = new Set(guests.map((guestId) => shareOf(guestId, USAGE_COUNTER_SHARES))).size;
    expect(sharesUsed).toBeGreaterThan(1);
    expect(await store.usage.ofTenant('acme')).toEqual([{ storage: 'local', bytes: 5 + 240, archives: 25 }]);
    await store.usage.replace('acme', [{ storage: 'local', bytes: 100, archives: 4 }]);
    expect(await store.usage.ofTenant('acme')).toEqual([{ storage: 'local', bytes: 100, archives: 4 }]);
    await store.usage.replace('acme', []);
    expect(await store.usage.ofTenant('acme')).toEqual([{ storage: 'local', bytes: 0, archives: 0 }]);
  });
});
