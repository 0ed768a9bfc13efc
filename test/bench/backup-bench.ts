/**
 * Backup-run benchmark: one backup policy's run over 200 guests on 10 simulated nodes, one
 * vzdump at a time per node (the backup default), against the ideal: each node's vzdump tasks
 * back to back (the per-node serial sum of the simulated task durations; the slowest node
 * decides). Two cases: 400 ms tasks with every wait cut to 50 ms (the steps' own cost), and
 * vzdumps of 2 to 12 minutes under the real poll schedule, both scaled by one time factor.
 * Prints the ratios (target <= 1.3x) and what each run recorded.
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
import { BACKUP_PATH_LIMITS } from '#shared/services/policy-run/work-item.ts';

const TOKEN = 'bench@pve!bench';
const SECRET = 'bench-secret';

/** Real vzdumps of small guests take minutes: each guest's is 2 to 12 minutes, spread by its id. */
const realisticSeconds = (vmid: number) => 120 + ((vmid * 7919) % 600);

export async function runBackupBench(log: (line: string) => void): Promise<void> {
  const guests = Number(process.env.BENCH_BACKUP_GUESTS ?? 200);
  const nodes = Number(process.env.BENCH_BACKUP_NODES ?? 10);
  const taskMs = Number(process.env.BENCH_BACKUP_TASK_MS ?? 400);
  const pollMs = Number(process.env.BENCH_POLL_MS ?? 50);
  // Short tasks, every wait of the backup path cut to `pollMs`: what the steps themselves cost.
  const waits = { WaitForBackupStart: pollMs, WaitForBackupLock: pollMs };
  for (const step of BACKUP_PATH_LIMITS.pollSteps)
    Object.assign(waits, { [`WaitForBackup${step.seconds}s`]: pollMs });
  await backupRun(log, { guests, nodes, taskMs: () => taskMs, workflowWaitOverrides: waits });
  // vzdumps of real lengths and the real poll schedule, both scaled by one factor, so the
  // ratio holds; the steps' own time (Lambda, table, Proxmox calls) is not scaled, so it counts
  // 1/factor times more here than in a real run.
  const factor = Number(process.env.BENCH_BACKUP_TIME_FACTOR ?? 0.01);
  if (factor > 0) {
    await backupRun(log, {
      guests,
      nodes,
      taskMs: (vmid) => realisticSeconds(vmid) * 1000,
      timeFactor: factor,
    });
  }
}

interface BackupRunCase {
  readonly guests: number;
  readonly nodes: number;
  /** The vzdump of a guest, in milliseconds before the time factor. */
  readonly taskMs: (vmid: number) => number;
  readonly workflowWaitOverrides?: Record<string, number>;
  /** Scales the simulator's tasks and the workflows' waits alike (1: none). */
  readonly timeFactor?: number;
}

async function backupRun(log: (line: string) => void, bench: BackupRunCase): Promise<void> {
  const { guests, nodes } = bench;
  const factor = bench.timeFactor ?? 1;
  const state = largeClusterState(nodes, guests);
  state.storages.push({
    storage: 'backup-nfs',
    type: 'nfs',
    content: ['backup'],
    shared: true,
    total: 10_000_000 * 1024 ** 3,
    used: 0,
    nodes: state.nodes.map((node) => node.node),
  });
  const sim = new ProxmoxSimulator(state, {
    timeFactor: factor,
    taskDuration: (kind, id) => (kind === 'vzdump' ? bench.taskMs(Number(id)) : undefined),
  });
  const server = await startSimulatorServer({ simulator: sim, tokens: { [TOKEN]: SECRET } });
  const dynamo = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-backup-'));
  const runtime = await startLocalRuntime(
    loadLocalConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: 'bench',
      PROXMOX_SIMULATOR: 'off',
      WORKFLOW_TIME_FACTOR: String(factor),
    }),
    {
      logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
      scheduler: false,
      ...(bench.workflowWaitOverrides ? { workflowWaitOverrides: bench.workflowWaitOverrides } : {}),
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
    const policy = await call('POST', '/v1/policies', {
      name: 'nightly-backup',
      kind: 'backup',
      backup: { storage: 'backup-nfs' },
      schedule: { cron: '0 2 * * *' },
      selector: { all: true },
    });
    if (!policy.id) throw new Error(`policy not created: ${JSON.stringify(policy)}`);
    const scheduledTime = '2026-11-23T02:00:00.000Z';
    const startedAt = Date.now();
    await runtime.workflows.start('tick', {
      tenantId: 'bench',
      policyId: policy.id,
      scheduledTime,
      trigger: 'schedule',
    });
    const run = await call('GET', `/v1/runs/${runIdFor(policy.id, scheduledTime)}`);
    const runWall = Date.parse(run.finishedAt) - startedAt;
    // The ideal: each node's backups back to back; the node with the most guests decides.
    const perNode = Map.groupBy(
      sim.state.guests.filter((guest) => !guest.template),
      (guest) => guest.node,
    );
    const ideal = Math.max(
      ...[...perNode.values()].map((onNode) =>
        onNode.reduce((sum, guest) => sum + Math.round(bench.taskMs(guest.vmid) * factor), 0),
      ),
    );
    const archives = sim.state.volumes.length;
    const records = (await runtime.store.backups.list('bench', { limit: 1000 })).items;
    log(
      `backup run over ${guests} guests on ${nodes} nodes, ${describeTasks(bench)}, 1 per node: result final after ${(runWall / 1000).toFixed(1)} s vs ideal ${(ideal / 1000).toFixed(1)} s = ${(runWall / ideal).toFixed(2)}x (target <= 1.3x)`,
    );
    log(
      `run: ${run.status}, ${run.succeeded} succeeded, ${run.failed} failed; archives on the storage: ${archives}; backup records: ${records.length}, with size: ${records.filter((r) => (r.size ?? 0) > 0).length}`,
    );
  } finally {
    await runtime.stop();
    await server.close();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function describeTasks(bench: BackupRunCase): string {
  if (bench.timeFactor === undefined || bench.timeFactor === 1)
    return `vzdump ${bench.taskMs(100)} ms, waits cut`;
  return `vzdumps of 2-12 min and the real poll schedule, both scaled by ${bench.timeFactor}`;
}
