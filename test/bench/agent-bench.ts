/**
 * The agent against the direct path, on the same simulator: a connector call (a guest's snapshot
 * list through the API) via the agent vs direct, p50/p99; a 1,000-guest policy run through one
 * agent vs direct (wall time, each on its own simulator with the same task time); and the memory
 * of the built agent (one file, run with the system's Node 20) after carrying 1,000 guests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import { executeCommand } from '#shared/adapters/proxmox/execute-command.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { largeClusterState, type SimState } from '#shared/local/proxmox-simulator/model.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { startTestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';
import { buildAgent } from '../../agent/build.ts';
import { compare, percentile, report, timeOnce } from './stats.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const GUESTS = 1_000;
const RUN_NODES = 20;
const RUN_TASK_MS = Number(process.env.BENCH_TASK_MS ?? 400);

/**
 * Where the agent's p50 goes beyond the direct p50, each part timed alone on the same machine:
 * the agent's own round trip (a bare WebSocket server in this process pushes the command to the
 * built agent, which calls the simulator and answers) against the same Proxmox call made directly
 * (the service's client, in this process); the table call left on the answer's path (the
 * answer's conditional PutItem; locally the answer is handed to the waiting connector in-process)
 * and the read AWS adds (the connector's GetItem of the answer). What remains is the service's
 * own handling: signing and pushing, the `$default` route, the wake-up.
 */
async function whereTheTimeGoes(
  store: Store,
  scope: { tenantId: string; clusterId: string },
  samples: { baseline: number[]; subject: number[] },
  roundTrip: { agent: number[]; direct: number[] },
): Promise<string> {
  const put: number[] = [];
  const get: number[] = [];
  const result = JSON.stringify([{ name: 'current', description: 'You are here!', running: 0 }]);
  for (let index = 0; index < ITERATIONS; index++) {
    const command = { ...scope, id: `cmd-bench-${Date.now()}-${index}` };
    put.push(await timeOnce(() => store.agents.answer(command, { result }, new Date().toISOString())));
    get.push(await timeOnce(() => store.agents.getAnswer(scope.tenantId, command.id)));
  }
  const [w, g, r, p, direct, viaAgent] = [
    put,
    get,
    roundTrip.agent,
    roundTrip.direct,
    samples.baseline,
    samples.subject,
  ].map((xs) => percentile(xs, 50)) as [number, number, number, number, number, number];
  const rest = viaAgent - direct - (r - p) - w;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return (
    `where the agent's ${ms(viaAgent - direct)} beyond direct go, p50: the agent's round trip ${ms(r)} ` +
    `(WebSocket out, the agent's process and its Proxmox call, WebSocket back) vs the same call made directly ${ms(p)}: ` +
    `${ms(r - p)}; the answer's conditional PutItem ${ms(w)}; the service's own handling (sign, push, $default ` +
    `route, wake-up) ${ms(rest)}. AWS adds the connector's GetItem of the answer (${ms(g)} here). ` +
    `Floor without the agent's process and hops: ${((direct + w) / direct).toFixed(2)}x`
  );
}

/**
 * The built agent's own round trip: a bare WebSocket server in this process (no service code)
 * pushes `command` with a fresh id and times until the agent's answer arrives; and the same
 * command run directly with the service's Proxmox client, alternately.
 */
async function agentRoundTrips(
  file: string,
  folder: string,
  simulator: Awaited<ReturnType<typeof startTestSimulator>>,
  command: ConnectorCommand,
): Promise<{ agent: number[]; direct: number[] }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const connected = once(server, 'connection') as Promise<[WebSocket]>;
  const agent = spawnAgent(file, folder, `ws://127.0.0.1:${port}/agent`, 'pvea_bench_roundtrip', simulator);
  const client = simulator.client();
  try {
    const [socket] = await connected;
    let next = 0;
    const ask = () =>
      new Promise<void>((resolve) => {
        const id = `cmd_roundtrip_${next++}`;
        const onMessage = (data: Buffer) => {
          if ((JSON.parse(data.toString()) as { id?: string }).id !== id) return;
          socket.off('message', onMessage);
          resolve();
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ type: 'command', id, command }));
      });
    const samples = await compare(ITERATIONS, () => executeCommand(client, command), ask);
    return { agent: samples.subject, direct: samples.baseline };
  } finally {
    // The client is closed with the simulator.
    agent.kill('SIGTERM');
    server.close();
  }
}

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
  // State transitions (states entered), the unit Step Functions Standard bills.
  let transitions = 0;
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
      onWorkflowEvent: (_execution, event) => {
        if (event.type === 'StateEntered') transitions++;
      },
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

    const guest = simulator.sim.state.guests[0];
    if (!guest) throw new Error('the simulator has no guest');
    const { vmid } = guest;
    const samples = await compare(
      ITERATIONS,
      () => call('GET', `/v1/guests/${direct.id}.${vmid}/snapshots`),
      () => call('GET', `/v1/guests/${viaAgent.id}.${vmid}/snapshots`),
    );
    log(report(`GET a guest's snapshots (listSnapshots), via agent vs direct, ${ITERATIONS} calls`, samples));
    const listSnapshots = { type: 'listSnapshots', node: guest.node, guestType: guest.type, vmid } as const;
    const roundTrip = await agentRoundTrips(file, folder, simulator, listSnapshots);
    log(
      await whereTheTimeGoes(
        runtime.store,
        { tenantId: 'bench', clusterId: viaAgent.id as string },
        samples,
        roundTrip,
      ),
    );
    if (process.env.BENCH_AGENT_RUN === 'off') return;

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
      transitions = 0;
      const run = await call('POST', `/v1/policies/${policy.id}/runs`);
      await runtime.workflows.drain();
      const finished = await call('GET', `/v1/runs/${run.id}`);
      walls[tag] = Date.parse(finished.finishedAt) - started;
      log(
        `${tag}: ${finished.status}, ${finished.succeeded} of ${finished.targets} guests in ${(walls[tag] / 1000).toFixed(1)} s, ${(transitions / finished.targets).toFixed(1)} state transitions per guest`,
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
