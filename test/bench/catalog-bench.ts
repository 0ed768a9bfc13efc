/**
 * The backup catalog: a page of `GET /v1/backups` over 100,000 archives of one tenant against
 * the raw Query of the same page on the table (the first page, and a page further on by its
 * cursor), p50/p99 as ratios. Target: p99 <= 3x.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '#shared/adapters/dynamo/batch-write.ts';
import { backupEntity } from '#shared/adapters/dynamo/entities/backup.ts';
import { type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { compare, percentile, report } from './stats.ts';

const ARCHIVES = Number(process.env.BENCH_ARCHIVES ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const GUESTS = 500;
const PAGE = 50;
const SEED_WRITERS = 4;

function archive(index: number): BackupRecord {
  const vmid = 100 + (index % GUESTS);
  const time = new Date(Date.parse('2025-01-01T00:00:00Z') + index * 60_000);
  const [date = '', clock = ''] = time.toISOString().slice(0, 19).split('T');
  const stamp = `${date.replaceAll('-', '_')}-${clock.replaceAll(':', '_')}`;
  const volid = `backup-nfs:backup/vzdump-qemu-${vmid}-${stamp}.vma.zst`;
  const guestId = `cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.${vmid}`;
  return {
    tenantId: 'bench',
    id: formatBackupId(guestId, volid),
    guestId,
    clusterId: 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
    node: `node${index % 10}`,
    guestType: 'qemu',
    vmid,
    storage: 'backup-nfs',
    volid,
    format: 'vma.zst',
    compression: 'zstd',
    size: 4_000_000_000 + index,
    createdAt: time.toISOString(),
    status: 'created',
    origin: 'policy',
    policyId: 'pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y3',
  };
}

export async function runCatalogBench(log: (line: string) => void): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-catalog-'));
  const runtime = await startLocalRuntime(
    loadLocalConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: 'bench',
      PROXMOX_SIMULATOR: 'off',
      // The local TTL sweeper scans the whole table every minute; over 100,000 items such a scan
      // holds DynamoDB Local's one SQLite queue for minutes, stalling the seeding and every
      // measured page behind it. DynamoDB's own TTL process in AWS takes no request capacity.
      TTL_SWEEP_SECONDS: String(24 * 3600),
    }),
    { logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }), scheduler: false },
  );
  try {
    const headers = { authorization: `Bearer ${await runtime.token('bench', 'viewer')}` };
    const doc = runtime.store.table.doc;
    const lifetimes = runtime.store.table.lifetimes();
    log(`seeding ${ARCHIVES} archives of ${GUESTS} guests for one tenant ...`);
    const seedStarted = performance.now();
    let next = 0;
    let written = 0;
    const progressEvery = Math.max(25, Math.floor(ARCHIVES / 10));
    // A few writers at once: DynamoDB Local applies writes one at a time on its SQLite queue, so
    // more would only queue there. What it leaves unprocessed is sent again after a backoff.
    await Promise.all(
      Array.from({ length: SEED_WRITERS }, async () => {
        while (next < ARCHIVES) {
          const start = next;
          next += 25;
          const requests = Array.from({ length: Math.min(25, ARCHIVES - start) }, (_, offset) => ({
            PutRequest: { Item: backupEntity.item(archive(start + offset), { lifetimes }) },
          }));
          await batchWrite(doc, 'bench', requests);
          written += requests.length;
          if (written % progressEvery < requests.length) {
            log(`  ${written} written after ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
          }
        }
      }),
    );
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const query = (startKey?: Record<string, unknown>) =>
      doc.send(
        new QueryCommand({
          TableName: 'bench',
          ...backupEntity.queryIndex('byResource', { tenantId: 'bench' }, { from: '0000', to: '9999~' }),
          ScanIndexForward: false,
          // One more than the page, as the store reads to know whether another page follows.
          Limit: PAGE + 1,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
    const page = async (cursor?: string) => {
      const response = await fetch(
        `${runtime.url}/v1/backups?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { headers },
      );
      if (response.status !== 200)
        throw new Error(`GET /v1/backups: ${response.status} ${await response.text()}`);
      return (await response.json()) as { items: unknown[]; nextCursor?: string };
    };

    const first = await compare(
      ITERATIONS,
      () => query(),
      () => page(),
    );
    log(report(`catalog, first page of ${PAGE} of ${ARCHIVES} (API vs one Query)`, first));

    // About 20 pages in: the API by its cursor, the Query from where its 20th read stopped.
    let cursor: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    for (let index = 0; index < 20; index++) {
      cursor = (await page(cursor)).nextCursor;
      startKey = (await query(startKey)).LastEvaluatedKey;
    }
    const deep = await compare(
      ITERATIONS,
      () => query(startKey),
      () => page(cursor),
    );
    log(report(`catalog, page 21 by cursor (API vs one Query)`, deep));
    const p99 = (samples: { baseline: number[]; subject: number[] }) =>
      percentile(samples.subject, 99) / percentile(samples.baseline, 99);
    log(`target p99 <= 3x: first page ${p99(first).toFixed(2)}x, page 21 ${p99(deep).toFixed(2)}x`);
  } finally {
    await runtime.stop();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
