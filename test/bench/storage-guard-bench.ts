/**
 * The storage guard's overhead per guest: the run's pre-flight and its vzdump call to the
 * simulator (over HTTPS, DynamoDB Local for the reads) without the guard, against the same with
 * the guard on (the tenant's default threshold; it reads the policy, the tenant, the guest's
 * archives and the run's counter, lists the node's storages and adds to the counter). Prints the
 * ratio per guest (p50 and p99).
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { ProxmoxClient } from '#shared/adapters/proxmox/client.ts';
import { executeCommand } from '#shared/adapters/proxmox/execute-command.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import type { Run } from '#shared/domain/run.ts';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { largeClusterState } from '#shared/local/proxmox-simulator/model.ts';
import { startSimulatorServer } from '#shared/local/proxmox-simulator/server.ts';
import { ProxmoxSimulator } from '#shared/local/proxmox-simulator/simulator.ts';
import { ensureTable } from '#shared/local/table-bootstrap.ts';
import { guardStorage } from '#shared/services/storage/guard-storage.ts';
import { compare, report } from './stats.ts';

const TOKEN = 'bench@pve!bench';
const SECRET = 'bench-secret';
const TENANT = 'bench';
const CLUSTER = 'cl_01JBENCH0000000000000000000';

export async function runStorageGuardBench(log: (line: string) => void): Promise<void> {
  const iterations = Number(process.env.BENCH_GUARD_GUESTS ?? 300);
  const state = largeClusterState(4, 400);
  state.storages.push({
    storage: 'backup-nfs',
    type: 'nfs',
    content: ['backup'],
    shared: true,
    total: 10_000_000 * 1024 ** 3,
    used: 0,
    nodes: state.nodes.map((node) => node.node),
  });
  const sim = new ProxmoxSimulator(state, { taskDurations: { vzdump: 1 } });
  const server = await startSimulatorServer({ simulator: sim, tokens: { [TOKEN]: SECRET } });
  const client = new ProxmoxClient({
    url: server.url,
    tokenId: TOKEN,
    secret: SECRET,
    fingerprint: server.fingerprint(),
  });
  const dynamo = await startDynamoDbLocal();
  try {
    const tableName = 'storage-guard-bench';
    const admin = new DynamoDBClient(localClientConfig(dynamo.endpoint));
    await ensureTable(admin, tableName);
    admin.destroy();
    const store = createStore({
      doc: createDocumentClient(localClientConfig(dynamo.endpoint)),
      tableName,
      cursorKey: randomBytes(32),
    });
    await store.tenants.ensure(TENANT);
    const profile = await store.tenants.get(TENANT);
    if (!profile) throw new Error('no tenant profile');
    await store.tenants.replace(
      { ...profile, storageGuardPercent: 100, version: profile.version + 1 },
      profile.version,
    );
    const run: Run = {
      id: 'run_BENCH',
      tenantId: TENANT,
      policyId: 'pol_BENCH',
      policyName: 'bench',
      scheduledTime: '2026-11-30T02:00:00.000Z',
      trigger: 'manual',
      status: 'running',
      targets: iterations,
      succeeded: 0,
      failed: 0,
      createdAt: '2026-11-30T02:00:00.000Z',
    };
    const call = <C extends ConnectorCommand>(command: C) => executeCommand(client, command);
    let next = 0;
    const vzdump = () => {
      const guest = state.guests[next++ % state.guests.length];
      if (!guest) throw new Error('no guest');
      return { type: 'vzdump' as const, node: guest.node, vmid: guest.vmid, storage: 'backup-nfs' };
    };
    // What the pre-flight does without the guard: the run's and the cluster's reads, then the call.
    const preflight = async (command: ConnectorCommand) => {
      await store.runs.get(TENANT, run.id);
      await store.clusters.get(TENANT, CLUSTER);
      await call(command);
    };
    const samples = await compare(
      iterations,
      () => preflight(vzdump()),
      async () => {
        const command = vzdump();
        await guardStorage({ store, call }, { tenantId: TENANT, clusterId: CLUSTER, command }, run);
        await preflight(command);
      },
    );
    log(report('pre-flight and vzdump start per guest, guard on vs off', samples));
  } finally {
    await client.close();
    await server.close();
    await dynamo.stop();
  }
}
