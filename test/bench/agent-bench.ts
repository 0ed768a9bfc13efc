/**
 * The agent against the direct path, on the same simulator: a connector call (a guest's snapshot
 * list through the API) via the agent vs direct, p50/p99; a 1,000-guest policy run through one
 * agent vs direct (wall time, each on its own simulator with the same task time); and the memory
 * of the built agent (one file, run with the system's Node 20) after carrying 1,000 guests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { largeClusterState, type SimState } from '#shared/local/proxmox-simulator/model.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { startTestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';
import { buildAgent } from '../../agent/build.ts';
import { compare, report } from './stats.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const GUESTS = 1_000;
const RUN_NODES = 20;
const RUN_TASK_MS = Number(process.env.BENCH_TASK_MS ?? 400);

/** A cluster of 1,000 guests on 20 nodes, every guest tagged `tag` (each policy selects its own cluster). */
function runState(tag: string): SimState {
  const state = largeClusterState(RUN_NODES, GUESTS);
  for (const guest of state.guests) guest.tags = [tag];
  return state;
}

/** The built agent, run with the system's Node 20 against one simulator. */
function spawnAgent(
  file: string,
  folder: string,
  serviceUrl: string,
  key: string,
  simulator: { server: { url: string; fingerprint(): string } },
): ChildProcess {
  const keyFile = join(folder, `${key.slice(-8)}.key`);
  writeFileSync(keyFile, key, { mode: 0o600 });
  writeFileSync(join(folder, 'token'), TOKEN_SECRET, { mode: 0o600 });
  return spawn('/usr/bin/node', [file], {
    env: {
      AGENT_SERVICE_URL: serviceUrl,
      AGENT_KEY_FILE: keyFile,
      PROXMOX_URL: simulator.server.url,
      PROXMOX_TOKEN_ID: TOKEN_ID,
      PROXMOX_TOKEN_SECRET_FILE: join(folder, 'token'),
      PROXMOX_FINGERPRINT: simulator.server.fingerprint(),
    },
    stdio: 'ignore',
  });
}

export async function runAgentBench(log: (line: string) => void): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
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
      // As the workflow bench: the first look at a task when it should be done, then every 100 ms.
      workflowWaitOverrides: { WaitForTaskStart: RUN_TASK_MS, WaitForTask: 100, WaitForLock: 100 },
    },
  );
  const simulator = await startTestSimulator({ state: largeClusterState(2, GUESTS) });
  const simulatorOptions = { timeFactor: 1, taskDurations: { snapshot: RUN_TASK_MS } };
  const directRunSim = await startTestSimulator({ state: runState('direct'), simulator: simulatorOptions });
  const agentRunSim = await startTestSimulator({ state: runState('via-agent'), simulator: simulatorOptions });
  const agents: ChildProcess[] = [];
  try {
    const token = await runtime.token('bench', 'admin');
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${runtime.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? (JSON.parse(text) as Record<string, any>) : {};
    };
    const registerDirect = (name: string, sim: typeof simulator) =>
      call('POST', '/v1/clusters', {
        name,
        url: sim.server.url,
        tokenId: TOKEN_ID,
        tokenSecret: TOKEN_SECRET,
        fingerprint: sim.server.fingerprint(),
      });
    const folder = mkdtempSync(join(tmpdir(), 'bench-agent-file-'));
    const file = await buildAgent(folder);
    const registerAgent = async (name: string, sim: typeof simulator) => {
      const cluster = await call('POST', '/v1/clusters', { name, connection: 'agent' });
      const key = await call('POST', `/v1/clusters/${cluster.id}/agent-keys`, {});
      const agent = spawnAgent(file, folder, runtime.agentUrl, key.key, sim);
      agents.push(agent);
      for (let attempt = 0; attempt < 400; attempt++) {
        if ((await runtime.store.agents.getConnection('bench', cluster.id))?.commands) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { cluster, agent };
    };
    const direct = await registerDirect('direct', simulator);
    const { cluster: viaAgent, agent } = await registerAgent('via-agent', simulator);
    const synced = await call('POST', `/v1/clusters/${viaAgent.id}/sync`);
    const rss = (field: string) =>
      Number(/(\d+) kB/.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8').split(field)[1] ?? '')?.[1]) /
      1024;
    log(
      `agent (Node ${'20, /usr/bin/node'}) after an inventory of ${synced.total} guests: RSS ${rss('VmRSS:').toFixed(1)} MiB, peak ${rss('VmHWM:').toFixed(1)} MiB`,
    );
    await call('POST', `/v1/clusters/${direct.id}/sync`);

    const vmid = simulator.sim.state.guests[0]?.vmid;
    const samples = await compare(
      ITERATIONS,
      () => call('GET', `/v1/guests/${direct.id}.${vmid}/snapshots`),
      () => call('GET', `/v1/guests/${viaAgent.id}.${vmid}/snapshots`),
    );
    log(report(`GET a guest's snapshots (listSnapshots), via agent vs direct, ${ITERATIONS} calls`, samples));

    // The same 1,000-guest run, directly and through one agent, one after the other.
    const runClusters = {
      direct: (await registerDirect('run-direct', directRunSim)).id as string,
      'via-agent': (await registerAgent('run-via-agent', agentRunSim)).cluster.id as string,
    };
    const walls: Record<string, number> = {};
    for (const [tag, clusterId] of Object.entries(runClusters)) {
      await call('POST', `/v1/clusters/${clusterId}/sync`);
      const policy = await call('POST', '/v1/policies', {
        name: `run-${tag}`,
        schedule: { cron: '0 2 * * *' },
        selector: { tags: [tag] },
        concurrency: { perNode: 2 },
      });
      const started = Date.now();
      const run = await call('POST', `/v1/policies/${policy.id}/runs`);
      await runtime.workflows.drain();
      const finished = await call('GET', `/v1/runs/${run.id}`);
      walls[tag] = Date.parse(finished.finishedAt) - started;
      log(
        `${tag}: ${finished.status}, ${finished.succeeded} of ${finished.targets} guests in ${(walls[tag] / 1000).toFixed(1)} s`,
      );
    }
    const ratio = (walls['via-agent'] ?? 0) / (walls.direct ?? 1);
    log(
      `policy run over ${GUESTS} guests on ${RUN_NODES} nodes (task ${RUN_TASK_MS} ms, 2 per node): through one agent vs direct = ${ratio.toFixed(2)}x wall time`,
    );
    log(`agent after the run: RSS ${rss('VmRSS:').toFixed(1)} MiB, peak ${rss('VmHWM:').toFixed(1)} MiB`);
  } finally {
    for (const running of agents) running.kill('SIGTERM');
    await simulator.close();
    await directRunSim.close();
    await agentRunSim.close();
    await runtime.stop();
    await dynamo.stop();
  }
}
