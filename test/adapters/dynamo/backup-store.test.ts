import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { backupEntity } from '#shared/adapters/dynamo/entities/backup.ts';
import { type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { createTestTable } from '#test/support/dynamo.ts';

const guestId = 'cl_01JD0000000000000000000001.101';
const backup = (index: number, overrides: Partial<BackupRecord> = {}): BackupRecord => {
  const volid = `local:backup/vzdump-qemu-101-2026_11_${String(index + 1).padStart(2, '0')}-01_00_00.vma.zst`;
  return {
    tenantId: 'acme',
    id: formatBackupId(overrides.guestId ?? guestId, volid),
    guestId,
    clusterId: 'cl_01JD0000000000000000000001',
    node: 'pve1',
    guestType: 'qemu',
    vmid: 101,
    storage: 'local',
    volid,
    format: 'vma',
    compression: 'zstd',
    size: 1_000_000 + index,
    createdAt: new Date(Date.UTC(2026, 10, index + 1, 1)).toISOString(),
    status: 'created',
    origin: 'policy',
    policyId: index % 2 === 0 ? 'pol_even' : 'pol_odd',
    ...overrides,
  };
};

describe('the backup catalog store', () => {
  it('keeps a backup by its id, lists a guest’s own, and pages the tenant’s newest first with filters', async () => {
    const { store } = await createTestTable();
    for (let index = 0; index < 12; index++) await store.backups.put(backup(index));
    const other = backup(0, { tenantId: 'globex' });
    await store.backups.put(other);

    const first = backup(0);
    expect(await store.backups.get('acme', guestId, first.id)).toEqual(first);
    expect(await store.backups.listForGuest('acme', guestId)).toHaveLength(12);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.backups.list('acme', { limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((item) => item.createdAt));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, index) => backup(11 - index).createdAt));

    const odd = await store.backups.list('acme', { limit: 100, policyId: 'pol_odd' });
    expect(odd.items.map((item) => item.size)).toEqual([
      1_000_011, 1_000_009, 1_000_007, 1_000_005, 1_000_003, 1_000_001,
    ]);
    const window = await store.backups.list('acme', {
      limit: 100,
      from: '2026-11-03T00:00:00.000Z',
      to: '2026-11-04T23:59:59.999Z',
    });
    expect(window.items.map((item) => item.createdAt)).toEqual([backup(3).createdAt, backup(2).createdAt]);
    expect((await store.backups.list('globex', { limit: 100 })).items).toEqual([other]);
  });

  it('marks a backup deleted with its TTL and audit event in one transaction, once', async () => {
    const { store } = await createTestTable();
    const record = backup(0);
    await store.backups.put(record);
    const deleted: BackupRecord = {
      ...record,
      status: 'deleted',
      deletedAt: '2026-11-20T00:00:00.000Z',
      deletedBy: 'op@acme',
      deleteReason: 'operator',
    };
    const audit = (id: string) =>
      store.audit.entry({
        id,
        tenantId: 'acme',
        at: '2026-11-20T00:00:00.000Z',
        actor: 'op@acme',
        role: 'operator',
        action: 'backup.delete',
        resourceType: 'backup',
        resourceId: record.id,
        outcome: 'success',
        requestId: 'req',
      });
    expect(await store.backups.markDeleted(deleted, audit('aud_1'), 1_900_000_000, record)).toBe(true);
    expect(await store.backups.markDeleted(deleted, audit('aud_2'), 1_900_000_500, record)).toBe(false);

    expect(await store.backups.get('acme', guestId, record.id)).toEqual(deleted);
    const raw = await store.table.doc.send(
      new GetCommand({ TableName: store.table.tableName, Key: backupEntity.key(record) }),
    );
    expect(raw.Item?.ttl).toBe(1_900_000_000);
    const events = await store.audit.list('acme', { limit: 10, action: 'backup.delete' });
    expect(events.items.map((event) => event.id)).toEqual(['aud_1']);
  });

  it('keeps the tenant\u2019s usage counter in the writes that add, lose and delete archives', async () => {
    const { store } = await createTestTable();
    const counter = async () => await store.usage.ofTenant('acme');
    const first = backup(0);
    const second = { ...backup(1), storage: 'pbs' };
    expect(await store.backups.putIfNew(first)).toBe(true);
    expect(await store.backups.putIfNew(first)).toBe(false);
    expect(await store.backups.putIfNew(second)).toBe(true);
    // Found on a storage, made by someone else: not the tenant's use.
    expect(await store.backups.putIfNew({ ...backup(2), origin: 'external' })).toBe(true);
    expect(await counter()).toEqual([
      { storage: 'local', bytes: first.size, archives: 1 },
      { storage: 'pbs', bytes: second.size, archives: 1 },
    ]);
    const missing = { ...second, status: 'missing' as const };
    expect(await store.backups.putIfStatus(missing, 'created')).toBe(true);
    expect(await store.backups.putIfStatus(missing, 'created')).toBe(false);
    const audit = store.audit.entry({
      id: 'aud_9',
      tenantId: 'acme',
      at: '2026-11-20T00:00:00.000Z',
      actor: 'system:retention',
      role: 'admin',
      action: 'backup.prune',
      resourceType: 'guest',
      resourceId: guestId,
      outcome: 'success',
      requestId: 'req',
    });
    const deleted = { ...first, status: 'deleted' as const };
    expect(await store.backups.markDeleted(deleted, audit, 1_900_000_000, first)).toBe(true);
    expect(await store.backups.markDeleted(deleted, audit, 1_900_000_000, first)).toBe(false);
    expect(await counter()).toEqual([
      { storage: 'local', bytes: 0, archives: 0 },
      { storage: 'pbs', bytes: 0, archives: 0 },
    ]);
  });
});
