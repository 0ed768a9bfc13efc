/**
 * The agent against the direct path, on the same simulator: a connector call (a guest's snapshot
 * list through the API) via the agent vs direct, p50/p99; and the memory of the built agent
 * (one file, run with the system's Node 20) after carrying the inventory of 1,000 guests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { largeClusterState } from '#shared/local/proxmox-simulator/model.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { startTestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';
import { buildAgent } from '../../agent/build.ts';
import { compare, report } from './stats.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const GUESTS = 1_000;

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
    { logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }), scheduler: false },
  );
  const simulator = await startTestSimulator({ state: largeClusterState(2, GUESTS) });
  let agent: ChildProcess | undefined;
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
    const direct = await call('POST', '/v1/clusters', {
      name: 'direct',
      url: simulator.server.url,
      tokenId: TOKEN_ID,
      tokenSecret: TOKEN_SECRET,
      fingerprint: simulator.server.fingerprint(),
    });
    const viaAgent = await call('POST', '/v1/clusters', { name: 'via-agent', connection: 'agent' });
    const key = await call('POST', `/v1/clusters/${viaAgent.id}/agent-keys`, {});

    const folder = mkdtempSync(join(tmpdir(), 'bench-agent-file-'));
    const file = await buildAgent(folder);
    writeFileSync(join(folder, 'agent.key'), key.key, { mode: 0o600 });
    writeFileSync(join(folder, 'token'), TOKEN_SECRET, { mode: 0o600 });
    agent = spawn('/usr/bin/node', [file], {
      env: {
        AGENT_SERVICE_URL: runtime.agentUrl,
        AGENT_KEY_FILE: join(folder, 'agent.key'),
        PROXMOX_URL: simulator.server.url,
        PROXMOX_TOKEN_ID: TOKEN_ID,
        PROXMOX_TOKEN_SECRET_FILE: join(folder, 'token'),
        PROXMOX_FINGERPRINT: simulator.server.fingerprint(),
      },
      stdio: 'ignore',
    });
    for (let attempt = 0; attempt < 400; attempt++) {
      if ((await runtime.store.agents.getConnection('bench', viaAgent.id))?.commands) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const synced = await call('POST', `/v1/clusters/${viaAgent.id}/sync`);
    const rss = (field: string) =>
      Number(/(\d+) kB/.exec(readFileSync(`/proc/${agent?.pid}/status`, 'utf8').split(field)[1] ?? '')?.[1]) /
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
  } finally {
    agent?.kill('SIGTERM');
    await simulator.close();
    await runtime.stop();
    await dynamo.stop();
  }
}
