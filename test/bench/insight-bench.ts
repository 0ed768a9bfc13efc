/**
 * Coverage and RPO over a tenant with 10,000 guests, 50 policies and 90 days of history: each
 * report's time against a raw Query of the same items in the same process (target <= 3x), and
 * the scheduled RPO check's cost per guest (DynamoDB requests and items read per guest).
 * `BENCH_INSIGHT_GUESTS` and `BENCH_INSIGHT_DAYS` shrink it for a quick look.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from '#shared/adapters/dynamo/batch-write.ts';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { exclusionEntity } from '#shared/adapters/dynamo/entities/exclusion.ts';
import { guestEntity } from '#shared/adapters/dynamo/entities/guest.ts';
import { policyEntity } from '#shared/adapters/dynamo/entities/policy.ts';
import { snapshotEntity } from '#shared/adapters/dynamo/entities/snapshot.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { ensureTable } from '#shared/local/table-bootstrap.ts';
import { tenantCoverage } from '#shared/services/insight/coverage-report.ts';
import { checkRpo } from '#shared/services/insight/rpo-check.ts';
import { rpoReport } from '#shared/services/insight/rpo-report.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import { percentile } from './stats.ts';

const TENANT = 'bench';
const DAY = 86_400_000;

/** Counts the requests sent and the items DynamoDB read for them. */
function counting(doc: DynamoDBDocumentClient) {
  const counts = { requests: 0, itemsRead: 0 };
  const send = doc.send.bind(doc) as (command: unknown) => Promise<{ ScannedCount?: number; Item?: unknown }>;
  (doc as { send: unknown }).send = async (command: unknown) => {
    const result = await send(command);
    counts.requests++;
    counts.itemsRead += result.ScannedCount ?? (result.Item ? 1 : 0);
    return result;
  };
  return counts;
}

async function rawQueryAll(doc: DynamoDBDocumentClient, tableName: string, query: object): Promise<number> {
  let items = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({ ...query, TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items += page.Items?.length ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

async function alternate(rounds: number, baseline: () => Promise<unknown>, subject: () => Promise<unknown>) {
  await baseline();
  await subject();
  const times = { baseline: [] as number[], subject: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    await baseline();
    times.baseline.push(performance.now() - started);
    started = performance.now();
    await subject();
    times.subject.push(performance.now() - started);
  }
  return { baseline: percentile(times.baseline, 50), subject: percentile(times.subject, 50) };
}

export async function runInsightBench(log: (line: string) => void): Promise<void> {
  const guestCount = Number(process.env.BENCH_INSIGHT_GUESTS ?? 10_000);
  const days = Number(process.env.BENCH_INSIGHT_DAYS ?? 90);
  const dynamo = await startDynamoDbLocal();
  try {
    const tableName = 'insight-bench';
    const client = new DynamoDBClient(localClientConfig(dynamo.endpoint));
    await ensureTable(client, tableName);
    client.destroy();
    const doc = createDocumentClient(localClientConfig(dynamo.endpoint));
    const now = Date.parse('2026-06-01T12:00:00Z');
    const store = createStore({ doc, tableName, cursorKey: randomBytes(32), now: () => now });
    const created = new Date(now - (days + 1) * DAY).toISOString();
    const policies: Policy[] = Array.from({ length: 50 }, (_, index) => ({
      id: `pol_${String(index).padStart(4, '0')}`,
      tenantId: TENANT,
      name: `policy-${index}`,
      description: '',
      enabled: index % 10 !== 9,
      schedule: { cron: `${index} ${index % 24} * * *`, timezone: 'Europe/Berlin', missedRuns: 'skip' },
      snapshot: { includeMemory: false, quiesce: false, namePrefix: 'auto' },
      retention: { keepDaily: 7, keepWeekly: 4, keepMonthly: 3 },
      selector: {
        guests: [],
        tags: [`t${index}`],
        pools: [],
        nodes: [],
        all: false,
        exclude: { guests: [], tags: [] },
      },
      notify: { onSuccess: false, onFailure: true },
      concurrency: { perNode: 2 },
      schedulerExpression: 'cron(0 2 * * ? *)',
      createdAt: created,
      updatedAt: created,
      version: 1,
    }));
    const items: Record<string, unknown>[] = policies.map((policy) => policyEntity.item(policy));
    for (let vmid = 100; vmid < 100 + guestCount; vmid++) {
      items.push(
        guestEntity.item({
          id: `cl_bench.${vmid}`,
          tenantId: TENANT,
          clusterId: 'cl_bench',
          vmid,
          type: 'qemu',
          node: `pve${vmid % 16}`,
          name: `vm-${vmid}`,
          status: 'running',
          template: false,
          // Two tags each: most guests covered once, some twice, some (t-none) not at all.
          tags: [`t${vmid % 50}`, vmid % 7 === 0 ? `t${(vmid + 1) % 50}` : 'untagged'],
          gone: false,
          firstSeenAt: created,
          lastSeenAt: created,
        }),
      );
      if (vmid % 100 === 0) {
        items.push(
          exclusionEntity.item(
            {
              id: `exc_${vmid}`,
              tenantId: TENANT,
              guestId: `cl_bench.${vmid}`,
              reason: 'bench',
              createdAt: created,
              createdBy: 'bench',
            },
            { lifetimes: store.table.lifetimes() },
          ),
        );
      }
      // A daily snapshot for each of the days: the newest kept, the older ones pruned (their
      // records stay until their TTL, as retention leaves them).
      for (let day = 0; day < days; day++) {
        const at = new Date(now - (day + (vmid % 3 === 0 ? 2 : 0)) * DAY - 3_600_000).toISOString();
        items.push(
          snapshotEntity.item({
            tenantId: TENANT,
            guestId: `cl_bench.${vmid}`,
            name: `auto-${at.slice(0, 10).replaceAll('-', '')}`,
            policyId: policies[vmid % 50]?.id ?? 'pol_0000',
            status: day < 14 ? 'created' : 'deleted',
            vmstate: false,
            createdAt: at,
          }),
        );
      }
    }
    let seeded = performance.now();
    await batchWrite(
      doc,
      tableName,
      items.map((Item) => ({ PutRequest: { Item } })),
    );
    seeded = performance.now() - seeded;
    log(
      `seeded ${items.length.toLocaleString('en')} items (${guestCount.toLocaleString('en')} guests, 50 policies, ${days} days) in ${(seeded / 1000).toFixed(0)} s`,
    );

    const published: DomainEvent[] = [];
    const deps: ServiceDeps = {
      store,
      now: () => now,
      events: { publish: async (events) => void published.push(...events) },
      ids: { next: (prefix) => `${prefix}_bench` },
      secrets: {
        get: async () => undefined,
        put: async () => undefined,
        delete: async () => undefined,
      } as never,
      proxmox: { call: async () => Promise.reject(new Error('no Proxmox in this benchmark')) } as never,
    };
    const rawFleet = () =>
      Promise.all([
        rawQueryAll(doc, tableName, guestEntity.query({ tenantId: TENANT })),
        rawQueryAll(doc, tableName, policyEntity.query({ tenantId: TENANT })),
        rawQueryAll(doc, tableName, exclusionEntity.query({ tenantId: TENANT })),
      ]);
    const coverage = await alternate(3, rawFleet, () => tenantCoverage(deps, TENANT, {}));
    log(
      `coverage of ${guestCount.toLocaleString('en')} guests: p50 ${coverage.subject.toFixed(0)} ms vs raw Query of the guests, policies and exclusions ${coverage.baseline.toFixed(0)} ms = ${(coverage.subject / coverage.baseline).toFixed(2)}x (target <= 3x)`,
    );
    const guestIds = Array.from({ length: guestCount }, (_, index) => `cl_bench.${100 + index}`);
    const rawRpo = async () => {
      await rawFleet();
      let next = 0;
      // The same partitions, the same parallelism, every item returned whole.
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < guestIds.length) {
            const guestId = guestIds[next++] as string;
            await rawQueryAll(doc, tableName, { ...snapshotEntity.query({ tenantId: TENANT, guestId }) });
          }
        }),
      );
    };
    const rpo = await alternate(3, rawRpo, () => rpoReport(deps, TENANT));
    log(
      `RPO report of ${guestCount.toLocaleString('en')} guests: p50 ${rpo.subject.toFixed(0)} ms vs raw Query of the same items ${rpo.baseline.toFixed(0)} ms = ${(rpo.subject / rpo.baseline).toFixed(2)}x (target <= 3x)`,
    );
    const counts = counting(doc);
    const check = await checkRpo(deps, TENANT);
    log(
      `scheduled RPO check of one tenant: ${check.guests.toLocaleString('en')} guests taken by a policy, ${check.breached} breached, ${published.length} events; ${(counts.requests / check.guests).toFixed(2)} DynamoDB requests and ${(counts.itemsRead / check.guests).toFixed(1)} items read per guest (${counts.requests.toLocaleString('en')} requests)`,
    );
    const again = counting(doc);
    await checkRpo(deps, TENANT);
    log(
      `the same check again (episodes open, nothing to publish): ${(again.requests / check.guests).toFixed(2)} requests per guest`,
    );
  } finally {
    await dynamo.stop();
  }
}
