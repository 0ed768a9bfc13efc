/**
 * Hook overhead: the same snapshot run over the same guests twice in one process, once by a
 * policy without hooks (the baseline) and once by one with a no-op pre and post HTTPS hook (a
 * local HTTPS receiver answering 200 at once). Prints the ratio of the runs' wall times and the
 * added time per guest on a node's serial path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { runIdFor } from '#shared/domain/run.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { largeClusterState } from '#shared/local/proxmox-simulator/model.ts';
import { startSimulatorServer } from '#shared/local/proxmox-simulator/server.ts';
import { ProxmoxSimulator } from '#shared/local/proxmox-simulator/simulator.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { startHookReceiver } from '#test/support/hook-receiver.ts';

const TOKEN = 'bench@pve!bench';
const SECRET = 'bench-secret';

export async function runHooksBench(log: (line: string) => void): Promise<void> {
  const guests = Number(process.env.BENCH_HOOK_GUESTS ?? 40);
  const nodes = Number(process.env.BENCH_HOOK_NODES ?? 4);
  const taskMs = Number(process.env.BENCH_HOOK_TASK_MS ?? 200);
  const pollMs = Number(process.env.BENCH_POLL_MS ?? 50);
  const sim = new ProxmoxSimulator(largeClusterState(nodes, guests), { taskDurations: { snapshot: taskMs } });
  const server = await startSimulatorServer({ simulator: sim, tokens: { [TOKEN]: SECRET } });
  const receiver = await startHookReceiver();
  const dynamo = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-hooks-'));
  const runtime = await startLocalRuntime(
    loadLocalConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: 'bench',
      PROXMOX_SIMULATOR: 'off',
    }),
    {
      logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
      scheduler: false,
      hookCertificates: [receiver.cert],
      workflowWaitOverrides: { WaitForTaskStart: pollMs, WaitForTask: pollMs, WaitForLock: pollMs },
    },
  );
  try {
    const token = await runtime.token('bench', 'admin');
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${runtime.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return (await response.json()) as any;
    };
    await call('POST', '/v1/clusters', {
      name: 'bench',
      url: server.url,
      tokenId: TOKEN,
      tokenSecret: SECRET,
      fingerprint: server.fingerprint(),
    });
    const runOf = async (name: string, hooks?: unknown) => {
      const policy = await call('POST', '/v1/policies', {
        name,
        schedule: { cron: '0 2 * * *' },
        selector: { all: true },
        snapshot: { namePrefix: name },
        concurrency: { perNode: 1 },
        ...(hooks ? { hooks } : {}),
      });
      if (!policy.id) throw new Error(`policy not created: ${JSON.stringify(policy)}`);
      if (hooks) await call('POST', `/v1/policies/${policy.id}/hook-secret`);
      const scheduledTime = '2026-11-23T02:00:00.000Z';
      const startedAt = Date.now();
      await runtime.workflows.start(`tick-${name}`, {
        tenantId: 'bench',
        policyId: policy.id,
        scheduledTime,
        trigger: 'schedule',
      });
      const run = await call('GET', `/v1/runs/${runIdFor(policy.id, scheduledTime)}`);
      return { wall: Date.parse(run.finishedAt) - startedAt, run };
    };
    const baseline = await runOf('plain');
    const hook = { kind: 'https', url: receiver.url('/ok') };
    const hooked = await runOf('hooked', { pre: hook, post: hook });
    const serialGuests = guests / nodes;
    log(
      `snapshot run over ${guests} guests on ${nodes} nodes (1 at a time per node, task ${taskMs} ms): without hooks ${(baseline.wall / 1000).toFixed(2)} s, with a no-op pre+post HTTPS hook ${(hooked.wall / 1000).toFixed(2)} s = ${(hooked.wall / baseline.wall).toFixed(2)}x; +${((hooked.wall - baseline.wall) / serialGuests).toFixed(0)} ms per guest on a node's serial path`,
    );
    log(
      `runs: ${baseline.run.succeeded}/${guests} and ${hooked.run.succeeded}/${guests} succeeded; hook calls received: ${receiver.received.length} (expected ${2 * guests})`,
    );
  } finally {
    await runtime.stop();
    await receiver.stop();
    await server.close();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
