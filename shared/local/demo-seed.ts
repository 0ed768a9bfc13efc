import type { ClusterInput } from '#shared/services/clusters.ts';
import { registerCluster, updateCluster } from '#shared/services/clusters.ts';
import { syncClusterInventory } from '#shared/services/inventory.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';

const DEMO_TENANT = 'demo';
const DEMO_CLUSTER = 'lab';

/**
 * On first start, registers the configured cluster (the built-in simulator unless a real one is
 * configured) for tenant `demo` as `lab`, and syncs its guests. Later starts sync, after
 * bringing `lab` up to date when its connection settings changed (another simulator port, a
 * new token).
 */
export async function seedDemoTenant(
  deps: ServiceDeps,
  connection: Omit<ClusterInput, 'name'>,
): Promise<{ clusterId: string; created: boolean }> {
  const context = {
    principal: { tenantId: DEMO_TENANT, subject: 'system:demo-seed', role: 'admin' as const },
    requestId: 'demo-seed',
  };
  await deps.store.tenants.ensure(DEMO_TENANT);
  const existing = (await deps.store.clusters.list(DEMO_TENANT, { limit: 200 })).items.find(
    (cluster) => cluster.name.toLowerCase() === DEMO_CLUSTER,
  );
  let clusterId = existing?.id;
  if (!existing) {
    clusterId = (await registerCluster(deps, context, { name: DEMO_CLUSTER, ...connection })).id;
  } else if (
    existing.url !== connection.url ||
    existing.tokenId !== connection.tokenId ||
    (existing.fingerprint ?? '') !== (connection.fingerprint?.toUpperCase() ?? '')
  ) {
    await updateCluster(deps, context, existing.id, connection);
  }
  if (!clusterId) throw new Error('unreachable: the demo cluster has no id');
  await syncClusterInventory(deps, context, clusterId, { backups: true });
  return { clusterId, created: existing === undefined };
}
