/**
 * Policy-run benchmark: one run over 1,000 guests on 20 simulated nodes with a fixed task time,
 * against the ideal (guests / (nodes x per-node cap) x task time), after a warm-up run of 1,000
 * guests on another cluster (`BENCH_WARMUP_GUESTS`); the machine's CPU during it; the same path
 * with 4 guests in flight instead of 40 (100 guests on 2 nodes, the same ideal); state
 * transitions per guest; history events per execution (estimated from AWS's per-state event
 * counts); duplicates and misses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { RUN_COUNTER_SHARES } from '#shared/adapters/dynamo/counter-shares.ts';
import { HISTORY_BUDGET, LANE_OVERHEAD, worstGuestHistory } from '#shared/domain/history-budget.ts';
import { runIdFor } from '#shared/domain/run.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { startLocalRuntime } from '#shared/local/runtime.ts';
import { LANE_CHUNK, LANE_PATH_LIMITS, runLaneChunk } from '#shared/services/policy-run/work-item.ts';
import { type SimulatorProcess, startSimulatorProcess } from './simulator-process.ts';

const TOKEN = 'bench@pve!bench';
const SECRET = 'bench-secret';
/** Step Functions history events a state adds per visit (Task: entered, scheduled, started, succeeded, exited). */
const HISTORY_EVENTS: Record<string, number> = { Task: 5, Wait: 2, Choice: 2, Pass: 2, Map: 2, Succeed: 2 };

/** The machine's CPU time so far, busy and total, summed over its cores (from os.cpus()). */
function machineCpu() {
  const cpus = os.cpus();
  let busy = 0;
  let total = 0;
  for (const { times } of cpus) {
    const sum = times.user + times.nice + times.sys + times.irq + times.idle;
    total += sum;
    busy += sum - times.idle;
  }
  return { cores: cpus.length, busy, total };
}

function cpuBusy(before: ReturnType<typeof machineCpu>, after: ReturnType<typeof machineCpu>): number {
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}

export async function runWorkflowBench(log: (line: string) => void): Promise<void> {
  const guests = Number(process.env.BENCH_RUN_GUESTS ?? 1000);
  const nodes = Number(process.env.BENCH_RUN_NODES ?? 20);
  const taskMs = Number(process.env.BENCH_TASK_MS ?? 400);
  const pollMs = Number(process.env.BENCH_POLL_MS ?? 100);
  const perNodeCap = 2;
  const warmGuests = Number(process.env.BENCH_WARMUP_GUESTS ?? 1000);
  // Each cluster in a process of its own: a cluster's work is not the service's to carry.
  const simulate = (tag: string, clusterNodes: number, clusterGuests: number) =>
    startSimulatorProcess({
      nodes: clusterNodes,
      guests: clusterGuests,
      tag,
      taskMs,
      tokens: { [TOKEN]: SECRET },
    });
  const main = await simulate('bench', nodes, guests);
  const warmCluster = await simulate('warm', nodes, Math.max(warmGuests, nodes));
  // The same path with few guests in flight (2 nodes, 100 guests: the same ideal of 25 rounds): what
  // the workflow itself adds, when 40 guests at once do not have this machine's 2 cores to share.
  const smallCluster = await simulate('small', 2, 100);
  const dynamo = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-run-'));
  const transitions = new Map<string, number>();
  /** Transitions of Express executions (fast lanes), billed per request and duration instead. */
  let expressTransitions = 0;
  const expressExecutions = new Set<string>();
  const history = new Map<string, number>();
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
      workflowWaitOverrides: {
        WaitForTaskStart: taskMs,
        WaitForTask: pollMs,
        WaitForLock: pollMs,
        FastWaitForTaskStart: taskMs,
        FastWaitForTask: pollMs,
        FastWaitForDeleteStart: pollMs,
        FastDeleteWaitForTask: pollMs,
      },
      onWorkflowEvent: (execution, event, machineType) => {
        if (machineType === 'EXPRESS') {
          expressExecutions.add(execution);
          if (event.type === 'StateEntered') expressTransitions += 1;
          return;
        }
        if (event.type === 'StateEntered' && event.state) {
          transitions.set(execution, (transitions.get(execution) ?? 0) + 1);
          history.set(
            execution,
            (history.get(execution) ?? 0) + (HISTORY_EVENTS[event.state.type ?? 'Task'] ?? 2),
          );
        } else if (event.type === 'MapIterationStarted') {
          history.set(execution, (history.get(execution) ?? 0) + 2);
        }
      },
    },
  );
  try {
    const scheduledTime = '2026-11-23T02:00:00.000Z';
    const token = await runtime.token('bench', 'admin');
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${runtime.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return (await response.json()) as any;
    };
    /** Registers a simulated cluster and a policy on its guests' tag. */
    const register = async (tag: string, target: { server: SimulatorProcess['server'] }) => {
      await call('POST', '/v1/clusters', {
        name: tag,
        url: target.server.url,
        tokenId: TOKEN,
        tokenSecret: SECRET,
        fingerprint: target.server.fingerprint(),
      });
      return await call('POST', '/v1/policies', {
        name: tag,
        schedule: { cron: '0 2 * * *' },
        selector: { tags: [tag] },
      });
    };
    /** One tick of a policy, run to its end; when its result became final, from the start. */
    const tick = async (name: string, policyId: string) => {
      const startedAt = Date.now();
      await runtime.workflows.start(name, {
        tenantId: 'bench',
        policyId,
        scheduledTime,
        trigger: 'schedule',
      });
      await runtime.notifications.idle();
      const run = await call('GET', `/v1/runs/${runIdFor(policyId, scheduledTime)}`);
      return Date.parse(run.finishedAt) - startedAt;
    };
    const policy = await register('bench', main);
    const small = await register('small', smallCluster);
    if (warmGuests > 0) {
      // A run on another cluster first: DynamoDB Local's JVM and this process compile their hot
      // paths during the first thousands of calls, which a service in AWS has long done.
      await tick('warm-up', (await register('warm', warmCluster)).id);
      transitions.clear();
      history.clear();
      expressExecutions.clear();
      expressTransitions = 0;
    }
    const input = { tenantId: 'bench', policyId: policy.id, scheduledTime, trigger: 'schedule' as const };
    const conflictsBefore = runtime.transactionConflicts.played();
    const cpuBefore = machineCpu();
    const ownBefore = process.cpuUsage();
    const startedAt = Date.now();
    const started = performance.now();
    // A duplicated delivery of the same tick, as Scheduler may do: must be a no-op.
    await Promise.all([runtime.workflows.start('tick', input), runtime.workflows.start('tick-again', input)]);
    const wall = performance.now() - started;
    const cpuAfter = machineCpu();
    const own = process.cpuUsage(ownBefore);
    const conflicts = runtime.transactionConflicts.played() - conflictsBefore;
    const run = await call('GET', `/v1/runs/${runIdFor(policy.id, scheduledTime)}`);
    const ideal = (guests / (nodes * perNodeCap)) * taskMs;
    // Until the run's result is final (FinishRun); reconciliation follows, off the critical path.
    const runWall = Date.parse(run.finishedAt) - startedAt;
    const snapshots = await main.snapshots();
    // Either start may win the claim; the other ends at TickAlreadyHandled. Lanes run as child executions.
    const [worker, duplicate] =
      (transitions.get('tick') ?? 0) >= (transitions.get('tick-again') ?? 0)
        ? ['tick', 'tick-again']
        : ['tick-again', 'tick'];
    const total =
      [...transitions.values()].reduce((sum, count) => sum + count, 0) - (transitions.get(duplicate) ?? 0);
    const perGuest = total / guests;
    const laneHistories = [...history]
      .filter(([name]) => name.startsWith('child-'))
      .map(([, count]) => count);
    const largest = Math.max(0, ...laneHistories);
    const parent = history.get(worker) ?? 0;
    log(
      `policy run over ${guests} guests on ${nodes} nodes, task ${taskMs} ms, cap ${perNodeCap}/node: result final after ${(runWall / 1000).toFixed(1)} s vs ideal ${(ideal / 1000).toFixed(1)} s = ${(runWall / ideal).toFixed(2)}x (target <= 1.3x); whole execution incl. reconciliation ${(wall / 1000).toFixed(1)} s`,
    );
    const busy = cpuBusy(cpuBefore, cpuAfter);
    log(
      `CPU during that run: the machine's ${cpuBefore.cores} cores ${(busy * 100).toFixed(0)} % busy, this process ${((own.user + own.system) / 1000 / wall).toFixed(2)} cores (workflows and functions), the rest DynamoDB Local's JVM and the simulators, with 40 guests in flight`,
    );
    log(
      `transactions cancelled for a conflict (DynamoDB's TransactionConflict, played locally; each sent again after a jittered pause): ${conflicts}, ${(conflicts / guests).toFixed(2)} per guest (each guest's result adds to one of the run's ${RUN_COUNTER_SHARES} counter shares in its transaction)`,
    );
    log(
      `run: ${run.status}, ${run.succeeded} succeeded, ${run.failed} failed; snapshots on the cluster: ${snapshots}; duplicates ${snapshots - run.succeeded}, misses ${guests - snapshots}; the duplicated start did ${transitions.get(duplicate) ?? 0} transitions`,
    );
    log(
      `state transitions per guest snapshot: Standard ${perGuest.toFixed(2)} (target <= 3 amortized; billed per transition), Express ${(expressTransitions / guests).toFixed(1)} in ${expressExecutions.size} fast lanes (${(guests / Math.max(1, expressExecutions.size)).toFixed(1)} guests per Express request), with a first look after ${taskMs} ms and then every ${pollMs} ms`,
    );
    log(
      `history events: parent ${parent.toLocaleString('en')}, largest of ${laneHistories.length} Standard lane executions ${largest.toLocaleString('en')}`,
    );
    // 10,000 guests on one node: the parent holds one iteration per lane (a fast lane each, for this
    // policy), a Standard lane holds at most LANE_CHUNK guests when everything is handed back.
    const fastPolicy = { kind: 'snapshot' as const, concurrency: { perNode: perNodeCap } };
    const lanesRun = Math.ceil(guests / runLaneChunk(fastPolicy, guests));
    const parentPerLane = parent / Math.max(1, lanesRun);
    const fastChunk = runLaneChunk(fastPolicy, 10_000);
    const oneNodeLanes = Math.ceil(10_000 / fastChunk);
    const oneNodeParent = Math.round(parentPerLane * oneNodeLanes);
    const worstLane = LANE_OVERHEAD + LANE_CHUNK * worstGuestHistory(LANE_PATH_LIMITS);
    log(
      `history events at 10,000 guests on one node (fast lanes of ${fastChunk}): ${oneNodeLanes} lanes; parent ~${oneNodeParent.toLocaleString('en')} (${parentPerLane.toFixed(1)} per lane measured); ` +
        `a Standard lane finishing handed-back guests at most ${worstLane.toLocaleString('en')} in the worst case (${LANE_CHUNK} guests); largest Standard execution ${Math.max(oneNodeParent, worstLane, largest).toLocaleString('en')} (budget ${HISTORY_BUDGET.toLocaleString('en')}, quota 25,000)`,
    );
    const smallWall = await tick('small', small.id);
    const smallIdeal = (100 / (2 * perNodeCap)) * taskMs;
    log(
      `the same path with 4 guests in flight (100 guests on 2 nodes, cap ${perNodeCap}/node): result final after ${(smallWall / 1000).toFixed(1)} s vs ideal ${(smallIdeal / 1000).toFixed(1)} s = ${(smallWall / smallIdeal).toFixed(2)}x: what the workflow adds when the machine is not the bound`,
    );
  } finally {
    await runtime.stop();
    await main.close();
    await warmCluster.close();
    await smallCluster.close();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
