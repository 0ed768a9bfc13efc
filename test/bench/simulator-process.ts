/**
 * A Proxmox simulator in a process of its own, for benchmarks: a cluster stands on its own
 * machines, so its work must not share the event loop of the service being measured. Started by
 * {@link startSimulatorProcess}; answers `{ type: 'snapshots' }` with the cluster's snapshot count.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { largeClusterState } from '#shared/local/proxmox-simulator/model.ts';
import { startSimulatorServer } from '#shared/local/proxmox-simulator/server.ts';
import { ProxmoxSimulator } from '#shared/local/proxmox-simulator/simulator.ts';

interface Setup {
  readonly nodes: number;
  readonly guests: number;
  /** Every guest's one tag (each bench policy selects its own cluster by it). */
  readonly tag: string;
  readonly taskMs: number;
  readonly tokens: Record<string, string>;
}

export interface SimulatorProcess {
  readonly server: { readonly url: string; fingerprint(): string };
  /** Snapshots on the cluster's guests, all told. */
  snapshots(): Promise<number>;
  close(): Promise<void>;
}

export async function startSimulatorProcess(setup: Setup): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(setup)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string; fingerprint: string }];
  return {
    server: { url: ready.url, fingerprint: () => ready.fingerprint },
    snapshots: async () => {
      child.send({ type: 'snapshots' });
      const [answer] = (await once(child, 'message')) as [{ snapshots: number }];
      return answer.snapshots;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function serve(setup: Setup): Promise<void> {
  const state = largeClusterState(setup.nodes, setup.guests);
  for (const guest of state.guests) guest.tags = [setup.tag];
  const simulator = new ProxmoxSimulator(state, { taskDurations: { snapshot: setup.taskMs } });
  const server = await startSimulatorServer({ simulator, tokens: setup.tokens });
  process.on('message', () => {
    const snapshots = simulator.state.guests.reduce((sum, guest) => sum + guest.snapshots.length, 0);
    process.send?.({ snapshots });
  });
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
  process.send?.({ url: server.url, fingerprint: server.fingerprint() });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  await serve(JSON.parse(process.argv[2] ?? '{}') as Setup);
}
