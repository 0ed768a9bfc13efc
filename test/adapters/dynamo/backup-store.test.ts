import { describe, expect, it } from 'vitest';
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
});
