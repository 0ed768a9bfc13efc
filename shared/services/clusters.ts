import { connectionTo } from '#shared/adapters/proxmox/cluster-connection.ts';
import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import { type Cluster, normalizeFingerprint } from '#shared/domain/cluster.ts';
import { assertVersion, NotFoundError } from '#shared/domain/errors.ts';
import { auditEvent, authorize } from './audit-trail.ts';
import { probeCluster } from './cluster-probe.ts';
import { retryStaleWrites } from './retry-stale-writes.ts';
import type { ServiceDeps } from './service-deps.ts';

export interface ClusterInput {
  readonly name: string;
  readonly url: string;
  readonly tokenId: string;
  readonly tokenSecret: string;
  readonly fingerprint?: string;
  readonly caCertificate?: string;
}

export type ClusterPatch = Partial<ClusterInput>;

/** What clients see of a cluster: everything but where its secret lives. */
export type ClusterView = Omit<Cluster, 'secretRef' | 'tenantId'>;

export function clusterView(cluster: Cluster): ClusterView {
  const { secretRef: _secretRef, tenantId: _tenantId, ...view } = cluster;
  return view;
}

const secretName = (cluster: Pick<Cluster, 'tenantId' | 'id'>) => `${cluster.tenantId}/${cluster.id}`;

export async function getCluster(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
): Promise<Cluster> {
  const cluster = await deps.store.clusters.get(context.principal.tenantId, clusterId);
  if (!cluster) throw new NotFoundError('cluster', clusterId);
  return cluster;
}

/**
 * Registers a cluster:
 * 1. checks that it answers with these details and that the token may take snapshots,
 * 2. stores the token secret in the secret store,
 * 3. stores the cluster and its audit event in one transaction (removing the secret again if
 *    that fails).
 */
export async function registerCluster(
  deps: ServiceDeps,
  context: AuditContext,
  input: ClusterInput,
): Promise<Cluster> {
  const id = deps.ids.next('cl');
  await authorize(deps, context, 'manage', {
    action: 'cluster.create',
    resourceType: 'cluster',
    resourceId: id,
  });
  const endpoint = {
    url: input.url,
    tokenId: input.tokenId,
    ...(input.fingerprint ? { fingerprint: normalizeFingerprint(input.fingerprint) } : {}),
    ...(input.caCertificate ? { caCertificate: input.caCertificate } : {}),
  };
  await probeCluster(deps.proxmox, connectionTo(endpoint, input.tokenSecret));
  const at = new Date(deps.now()).toISOString();
  const tenantId = context.principal.tenantId;
  const secretRef = await deps.secrets.put(secretName({ tenantId, id }), input.tokenSecret);
  const cluster: Cluster = {
    id,
    tenantId,
    name: input.name,
    ...endpoint,
    secretRef,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  try {
    await deps.store.clusters.create(cluster, [
      deps.store.audit.entry(
        auditEvent(deps, context, {
          action: 'cluster.create',
          resourceType: 'cluster',
          resourceId: id,
          after: auditSummary(clusterView(cluster)),
        }),
      ),
    ]);
  } catch (error) {
    await deps.secrets.delete(secretRef);
    throw error;
  }
  return cluster;
}

/** Changes a cluster; without `expectedVersion` (no If-Match) a concurrent change makes it read and apply again. */
export function updateCluster(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
  patch: ClusterPatch,
  expectedVersion?: number,
): Promise<Cluster> {
  const once = () => updateClusterOnce(deps, context, clusterId, patch, expectedVersion);
  return expectedVersion === undefined ? retryStaleWrites(once) : once();
}

async function updateClusterOnce(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
  patch: ClusterPatch,
  expectedVersion?: number,
): Promise<Cluster> {
  await authorize(deps, context, 'manage', {
    action: 'cluster.update',
    resourceType: 'cluster',
    resourceId: clusterId,
  });
  const before = await getCluster(deps, context, clusterId);
  assertVersion('cluster', before.version, expectedVersion);
  const { tokenSecret, fingerprint, ...fields } = patch;
  const after: Cluster = {
    ...before,
    ...fields,
    ...(fingerprint !== undefined ? { fingerprint: normalizeFingerprint(fingerprint) } : {}),
    updatedAt: new Date(deps.now()).toISOString(),
    version: before.version + 1,
  };
  // New connection details must work before they replace the old ones.
  if (
    patch.url !== undefined ||
    patch.tokenId !== undefined ||
    tokenSecret !== undefined ||
    fingerprint !== undefined ||
    patch.caCertificate !== undefined
  ) {
    await probeCluster(
      deps.proxmox,
      connectionTo(after, tokenSecret ?? (await deps.secrets.get(before.secretRef))),
    );
  }
  // The secret is replaced in place (same reference) only after the record update succeeded,
  // so a rejected update leaves the old secret working.
  await deps.store.clusters.update(before, after, [
    deps.store.audit.entry(
      auditEvent(deps, context, {
        action: 'cluster.update',
        resourceType: 'cluster',
        resourceId: clusterId,
        before: auditSummary(clusterView(before)),
        after: {
          ...auditSummary(clusterView(after)),
          ...(tokenSecret !== undefined ? { tokenSecret: '[rotated]' } : {}),
        },
      }),
    ),
  ]);
  if (tokenSecret !== undefined) await deps.secrets.put(secretName(after), tokenSecret);
  return after;
}

/**
 * Removes a cluster:
 * 1. the cluster and its audit event, in one transaction (without `expectedVersion`, a
 *    concurrent change does not stop it),
 * 2. its stored token secret,
 * 3. its guests from the inventory: marked gone, so no run selects them and policies' target
 *    previews say why (their records stay for their history, as for any guest that disappears).
 */
export function deleteCluster(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
  expectedVersion?: number,
): Promise<void> {
  const once = () => deleteClusterOnce(deps, context, clusterId, expectedVersion);
  return expectedVersion === undefined ? retryStaleWrites(once) : once();
}

async function deleteClusterOnce(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
  expectedVersion?: number,
): Promise<void> {
  await authorize(deps, context, 'manage', {
    action: 'cluster.delete',
    resourceType: 'cluster',
    resourceId: clusterId,
  });
  const cluster = await getCluster(deps, context, clusterId);
  assertVersion('cluster', cluster.version, expectedVersion);
  await deps.store.clusters.remove(cluster, [
    deps.store.audit.entry(
      auditEvent(deps, context, {
        action: 'cluster.delete',
        resourceType: 'cluster',
        resourceId: clusterId,
        before: auditSummary(clusterView(cluster)),
      }),
    ),
  ]);
  await deps.secrets.delete(cluster.secretRef);
  await retireGuests(deps, cluster);
}

/** Marks every guest of a removed cluster gone (those not gone already). */
async function retireGuests(deps: ServiceDeps, cluster: Cluster): Promise<void> {
  const goneAt = new Date(deps.now()).toISOString();
  const guests = await deps.store.guests.allOfCluster(cluster.tenantId, cluster.id);
  await deps.store.guests.putMany(
    guests.filter((guest) => !guest.gone).map((guest) => ({ ...guest, gone: true, goneAt })),
  );
}
