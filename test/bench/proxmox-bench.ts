/**
 * Connector and simulator benchmark: the connector's overhead over a raw undici request to the
 * same simulator endpoint, and what the simulator sustains at 100 nodes and 10,000 guests.
 */
import { Agent } from 'undici';
import { ProxmoxClient } from '#shared/adapters/proxmox/client.ts';
import { pinnedCertificateConnector } from '#shared/adapters/proxmox/tls.ts';
import { largeClusterState } from '#shared/local/proxmox-simulator/model.ts';
import { startSimulatorServer } from '#shared/local/proxmox-simulator/server.ts';
import { ProxmoxSimulator } from '#shared/local/proxmox-simulator/simulator.ts';
import { compare, percentile, report, timeOnce } from './stats.ts';

const TOKEN = 'bench@pve!bench';
const SECRET = 'bench-secret';

export async function runProxmoxBench(log: (line: string) => void): Promise<void> {
  const nodes = Number(process.env.BENCH_NODES ?? 100);
  const guests = Number(process.env.BENCH_GUESTS ?? 10_000);
  const sim = new ProxmoxSimulator(largeClusterState(nodes, guests), { timeFactor: 0.05 });
  const server = await startSimulatorServer({ simulator: sim, tokens: { [TOKEN]: SECRET } });
  const fingerprint = server.fingerprint();
  const client = new ProxmoxClient({ url: server.url, tokenId: TOKEN, secret: SECRET, fingerprint });
  const raw = new Agent({ connect: pinnedCertificateConnector(fingerprint, 10_000), connections: 8 });
  try {
    const rawVersion = async () => {
      const response = await raw.request({
        origin: server.url,
        method: 'GET',
        path: '/api2/json/version',
        headers: { authorization: `PVEAPIToken=${TOKEN}=${SECRET}` },
      });
      return ((await response.body.json()) as { data: unknown }).data;
    };
    const overhead = await compare(Number(process.env.BENCH_ITERATIONS ?? 2000), rawVersion, () =>
      client.version(),
    );
    log(report('connector GET /version vs raw undici (same pinned TLS)', overhead));
    log(
      `target p50 <= 1.2x: ${(percentile(overhead.subject, 50) / percentile(overhead.baseline, 50)).toFixed(2)}x`,
    );

    const inventory: number[] = [];
    for (let index = 0; index < 10; index++) inventory.push(await timeOnce(() => client.guests()));
    log(
      `inventory of ${guests} guests on ${nodes} nodes (/cluster/resources): p50 ${percentile(inventory, 50).toFixed(0)} ms`,
    );

    const count = Math.min(guests, Number(process.env.BENCH_SNAPSHOTS ?? 5000));
    const upids: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < count) {
          const index = next++;
          const vmid = 1000 + index;
          const node = `node${(index % nodes) + 1}`;
          upids.push(
            await client.createSnapshot(node, index % 4 === 3 ? 'lxc' : 'qemu', vmid, { name: 'bench' }),
          );
        }
      }),
    );
    const accepted = performance.now() - started;
    let done = 0;
    while (done < upids.length) {
      done = sim.state.tasks.filter(
        (task) => task.status === 'stopped' && task.type.endsWith('snapshot'),
      ).length;
      if (done < upids.length) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const finished = performance.now() - started;
    const failed = sim.state.tasks.filter((task) => task.exitstatus !== 'OK').length;
    log(
      `snapshot-create: ${count} calls accepted at ${((count / accepted) * 1000).toFixed(0)}/s over HTTPS (32 concurrent); ` +
        `all tasks finished at ${((count / finished) * 1000).toFixed(0)}/s; ${failed} failed`,
    );
  } finally {
    await client.close();
    await raw.close();
    await server.close();
  }
}
