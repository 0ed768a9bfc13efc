/**
 * 1,000 events fanned out to 10 webhook subscriptions on a local receiver, through the local
 * runtime's outbox and notifier: deliveries per second, p99 delivery latency, duplicates. The
 * baseline is the same number of plain POSTs to the same receiver, same concurrency, same run.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Agent, request } from 'undici';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { percentile } from './stats.ts';

const EVENTS = Number(process.env.BENCH_NOTIFY_EVENTS ?? 1000);
const SUBSCRIPTIONS = 10;
const CONCURRENCY = 16;

export async function runNotificationsBench(log: (line: string) => void): Promise<void> {
  const arrivals: Array<{ key: string; at: number; sentAt: number }> = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? req.headers['x-id']);
      arrivals.push({
        key: `${req.url}|${id}`,
        at: Date.now(),
        sentAt: Number(req.headers['x-sent-at'] ?? 0),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const port = (receiver.address() as AddressInfo).port;
  const dynamo = await startDynamoDbLocal();
  const runtime = await startLocalRuntime(
    loadLocalConfig({
      PORT: '0',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-notify-')),
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: 'bench-notify',
      PROXMOX_SIMULATOR: 'off',
    }),
    { logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }), scheduler: false },
  );
  try {
    const headers = {
      authorization: `Bearer ${await runtime.token('bench', 'admin')}`,
      'content-type': 'application/json',
    };
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const created = await fetch(`${runtime.url}/v1/subscriptions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ kind: 'webhook', target: `http://127.0.0.1:${port}/s${i}` }),
      });
      if (created.status !== 201) throw new Error(`subscription not created: ${await created.text()}`);
    }

    // Baseline: the same number of plain POSTs to the same receiver, CONCURRENCY at a time.
    const agent = new Agent();
    const body = JSON.stringify({
      type: 'run.failed',
      timestamp: new Date().toISOString(),
      data: { runId: 'x' },
    });
    let next = 0;
    const baselineStarted = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let n = next++; n < EVENTS * SUBSCRIPTIONS; n = next++) {
          const response = await request(`http://127.0.0.1:${port}/baseline`, {
            method: 'POST',
            body,
            headers: { 'x-id': String(n), 'x-sent-at': String(Date.now()) },
            dispatcher: agent,
          });
          await response.body.dump();
        }
      }),
    );
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;
    await agent.close();
    arrivals.length = 0;

    const started = performance.now();
    const published = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) {
      const event = domainEvent({
        tenantId: 'bench',
        type: 'run.failed',
        subject: `run_${i}`,
        time: Date.now(),
        data: { runId: `run_${i}`, failed: 1, targets: 2 },
      });
      published.set(event.id, Date.now());
      await runtime.store.deliveries.enqueue(event);
      runtime.notifications.wake();
    }
    await runtime.notifications.idle();
    const seconds = (performance.now() - started) / 1000;
    const keys = arrivals.map((a) => a.key);
    const duplicates = keys.length - new Set(keys).size;
    const latencies = arrivals.map((a) => a.at - (published.get(a.key.split('|')[1] ?? '') ?? a.at));
    const deliveries = arrivals.length;
    log(
      `${EVENTS} events x ${SUBSCRIPTIONS} webhook subscriptions: ${deliveries} deliveries in ${seconds.toFixed(1)} s = ${Math.round(deliveries / seconds)}/s ` +
        `(plain POSTs to the same receiver: ${Math.round((EVENTS * SUBSCRIPTIONS) / baselineSeconds)}/s; notifier at ${(deliveries / seconds / ((EVENTS * SUBSCRIPTIONS) / baselineSeconds)).toFixed(2)}x of that)`,
    );
    log(
      `delivery latency from publish: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms; duplicates ${duplicates} (must be 0); missing ${EVENTS * SUBSCRIPTIONS - new Set(keys).size}`,
    );
  } finally {
    await runtime.stop();
    await dynamo.stop();
    receiver.close();
  }
}
