/**
 * The cost of a run's plan check per guest: the pre-flight as it was (the run's status, one
 * GetItem) against the pre-flight with the plan check (`refuseOverPlan`), on DynamoDB Local, for
 * a snapshot on a plan without limits (the tenant's profile only), a snapshot under a per-guest
 * quota (the guest's records, 20 of them) and a backup under byte quotas (the tenant's usage
 * counter, kept for its 200 archives, and the guest's archives for the estimate), p50/p99 as ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { parsePlanTable } from '#shared/config/plan-config.ts';
import { formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { refuseOverPlan } from '#shared/services/plans/run-guest-check.ts';
import { compare, report } from './stats.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const CLUSTER = 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2';
const METERED = { quotas: { snapshotsPerGuest: 10_000, backupBytes: 1e15, backupBytesPerStorage: 1e15 } };

export async function runPlansBench(log: (line: string) => void): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-plans-'));
  const runtime = await startLocalRuntime(
    loadLocalConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: 'bench',
      PROXMOX_SIMULATOR: 'off',
    }),
    { logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }), scheduler: false },
  );
  try {
    const { store } = runtime;
    const deps = { store, plans: parsePlanTable(JSON.stringify({ metered: METERED }), 'plans') };
    await store.tenants.ensure('open', { plan: 'standard', timezone: 'UTC' });
    await store.tenants.ensure('metered', { plan: 'metered', timezone: 'UTC' });
    const guestId = `${CLUSTER}.100`;
    for (let index = 0; index < 20; index++)
      await store.snapshots.put({
        tenantId: 'metered',
        guestId,
        name: `auto-${String(index).padStart(4, '0')}`,
        status: 'created',
        vmstate: false,
        createdAt: new Date(Date.parse('2026-01-01T00:00:00Z') + index * 3_600_000).toISOString(),
      });
    for (let index = 0; index < 200; index++) {
      const vmid = 100 + (index % 20);
      const volid = `backup-nfs:backup/vzdump-qemu-${vmid}-2026_01_${String(1 + (index % 28)).padStart(2, '0')}-${String(index).padStart(6, '0')}.vma.zst`;
      const archiveGuest = `${CLUSTER}.${vmid}`;
      // As runs record them: each adds to the tenant's usage counter the byte check reads.
      await store.backups.putIfNew({
        tenantId: 'metered',
        id: formatBackupId(archiveGuest, volid),
        guestId: archiveGuest,
        clusterId: CLUSTER,
        node: 'pve1',
        guestType: 'qemu',
        vmid,
        storage: 'backup-nfs',
        volid,
        size: 1_000_000 + index,
        createdAt: new Date(Date.parse('2026-01-01T00:00:00Z') + index * 60_000).toISOString(),
        status: 'created',
        origin: 'policy',
      });
    }
    const runStatus = (tenantId: string) => store.runs.get(tenantId, 'run_BENCH');
    const snapshot = {
      type: 'createSnapshot',
      node: 'pve1',
      guestType: 'qemu',
      vmid: 100,
      name: 'auto-x',
    } as const;
    const backup = { type: 'vzdump', node: 'pve1', vmid: 100, storage: 'backup-nfs' } as const;
    const cases: Array<[string, string, typeof snapshot | typeof backup]> = [
      ['snapshot, plan without limits (profile only)', 'open', snapshot],
      ['snapshot under a per-guest quota (20 records)', 'metered', snapshot],
      ['backup under byte quotas (200 archives)', 'metered', backup],
    ];
    for (const [label, tenantId, command] of cases) {
      const samples = await compare(
        ITERATIONS,
        () => runStatus(tenantId),
        async () => {
          await runStatus(tenantId);
          await refuseOverPlan(deps, tenantId, CLUSTER, command);
        },
      );
      log(report(`pre-flight with the plan check vs without, ${label}`, samples));
    }
  } finally {
    await runtime.stop();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
