/**
 * Foundation benchmark: the API's overhead over the DynamoDB calls it wraps, the API bundle's
 * size, and its cold import time.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { bundleFunction } from '#infra/bundling/bundle-function.ts';
import { AUDIT_SHARDS, auditEntity } from '#shared/adapters/dynamo/entities/audit.ts';
import { policyEntity } from '#shared/adapters/dynamo/entities/policy.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { apiFunctionEnvironment } from '#test/support/api-function-environment.ts';
import { startFakeSecretsManager } from '#test/support/fake-secrets-manager.ts';
import { compare, percentile, report } from './stats.ts';

const AUDIT_EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 500);

export async function runApiBench(log: (line: string) => void): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const runtime = await startLocalRuntime(
    loadLocalConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: 'bench',
    }),
    { logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }) },
  );
  try {
    const token = await runtime.token('bench', 'admin');
    const headers = { authorization: `Bearer ${token}` };
    const created = await fetch(`${runtime.url}/v1/policies`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', schedule: { cron: '0 2 * * *' }, selector: { all: true } }),
    });
    const policy = (await created.json()) as { id: string };
    const doc = runtime.store.table.doc;

    log(`seeding ${AUDIT_EVENTS} audit events for one tenant ...`);
    const seedStarted = performance.now();
    const base = Date.parse('2026-01-01T00:00:00Z');
    const batches: Array<Array<Record<string, unknown>>> = [];
    for (let index = 0; index < AUDIT_EVENTS; index += 25) {
      batches.push(
        Array.from({ length: Math.min(25, AUDIT_EVENTS - index) }, (_, offset) => {
          const at = new Date(base + (index + offset) * 1000).toISOString();
          const id = `aud_${randomUUID()}`;
          return auditEntity.item(
            {
              id,
              tenantId: 'bench',
              at,
              actor: 'seed',
              role: 'admin',
              action: 'policy.update',
              resourceType: 'policy',
              resourceId: policy.id,
              outcome: 'success',
              requestId: id,
            },
            { lifetimes: runtime.store.table.lifetimes() },
          );
        }),
      );
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < batches.length) {
          const batch = batches[next++] as Array<Record<string, unknown>>;
          let pending = batch.map((Item) => ({ PutRequest: { Item } }));
          while (pending.length > 0) {
            const result = await doc.send(new BatchWriteCommand({ RequestItems: { bench: pending } }));
            pending = (result.UnprocessedItems?.bench ?? []) as typeof pending;
          }
        }
      }),
    );
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const getPolicy = await compare(
      ITERATIONS,
      () =>
        doc.send(
          new GetCommand({
            TableName: 'bench',
            Key: policyEntity.key({ tenantId: 'bench', id: policy.id }),
            ConsistentRead: true,
          }),
        ),
      async () => (await fetch(`${runtime.url}/v1/policies/${policy.id}`, { headers })).arrayBuffer(),
    );
    log(report('GET policy (API vs GetItem)', getPolicy));

    const listAudit = await compare(
      Math.round(ITERATIONS / 2),
      () =>
        doc.send(
          new QueryCommand({
            TableName: 'bench',
            // One partition's page: what listing cost before the trail was write-sharded.
            ...auditEntity.query({ tenantId: 'bench', shard: 0 }, { from: '0000', to: '9999~' }),
            ScanIndexForward: false,
            Limit: 51,
          }),
        ),
      async () => (await fetch(`${runtime.url}/v1/audit?limit=50`, { headers })).arrayBuffer(),
    );
    log(
      report(`list audit, 50 of ${AUDIT_EVENTS} (API over ${AUDIT_SHARDS} shards vs one Query)`, listAudit),
    );
    const p99 = (samples: { baseline: number[]; subject: number[] }) =>
      percentile(samples.subject, 99) / percentile(samples.baseline, 99);
    log(
      `target p99 <= 3x: GET policy ${p99(getPolicy).toFixed(2)}x, list audit ${p99(listAudit).toFixed(2)}x`,
    );
  } finally {
    await runtime.stop();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runBundleBench(log: (line: string) => void): Promise<void> {
  // Inside the repository so the bundle resolves the AWS SDK from node_modules, as Lambda's runtime provides it.
  const outdir = join(process.cwd(), `.bundle-test-bench-${randomBytes(4).toString('hex')}`);
  const secrets = await startFakeSecretsManager({ 'cursor-key-arn': 'k'.repeat(64) });
  try {
    const { bytes } = await bundleFunction(join(process.cwd(), 'functions/api/http-api.ts'), outdir);
    log(`API bundle: ${(bytes / 1024).toFixed(0)} KB minified (target < 500 KB)`);
    const connector = await bundleFunction(
      join(process.cwd(), 'functions/connector/proxmox-connector.ts'),
      `${outdir}-connector`,
    );
    rmSync(`${outdir}-connector`, { recursive: true, force: true });
    log(
      `connector bundle: ${(connector.bytes / 1024).toFixed(0)} KB minified (undici and the Proxmox client live only here)`,
    );
    const run = promisify(execFile);
    const timedImport = (modules: string[]) =>
      `const t = performance.now(); for (const m of ${JSON.stringify(modules)}) await import(m); process.stdout.write(String(performance.now() - t));`;
    const env = {
      ...process.env,
      ...apiFunctionEnvironment({ tableName: 'bench', secretsManagerUrl: secrets.url }),
    };
    const samples = { baseline: [] as number[], subject: [] as number[] };
    // Cold means a fresh process each time; the baseline is what any DynamoDB-backed function imports.
    for (let index = 0; index < 15; index++) {
      const baseline = await run(
        process.execPath,
        ['--input-type=module', '-e', timedImport(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'])],
        { env },
      );
      const subject = await run(
        process.execPath,
        ['--input-type=module', '-e', timedImport([join(outdir, 'index.mjs')])],
        { env },
      );
      samples.baseline.push(Number(baseline.stdout));
      samples.subject.push(Number(subject.stdout));
    }
    log(
      report('cold import: API function (incl. reading its cursor key) vs the DynamoDB SDK alone', samples),
    );
  } finally {
    secrets.server.close();
    rmSync(outdir, { recursive: true, force: true });
  }
}
