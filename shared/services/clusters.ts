import { connectionTo } from '#shared/adapters/proxmox/cluster-connection.ts';
import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import { type Cluster, type ClusterConnectionMode, normalizeFingerprint } from '#shared/domain/cluster.ts';
import { assertVersion, NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import { auditEvent, authorize } from './audit-trail.ts';
import { probeCluster } from './cluster-probe.ts';
import { checkClusterWrite } from './plans/plan-checks.ts';
import { retryStaleWrites } from './retry-stale-writes.ts';
import type { ServiceDeps } from './service-deps.ts';

/** A direct cluster's connection details (the schema requires them unless `connection` is `agent`). */
export interface ClusterInput {
  readonly name: string;
  readonly connection?: ClusterConnectionMode;
  readonly url?: string;
  readonly tokenId?: string;
  readonly tokenSecret?: string;
  readonly fingerprint?: string;
  readonly caCertificate?: string;
}

/** A change; `connection` switches how the cluster is reached (see {@link updateCluster}). */
export type ClusterPatch = Partial<ClusterInput>;

/** Connection details an agent cluster must not be given: its agent holds them. */
const DIRECT_ONLY = ['url', 'tokenId', 'tokenSecret', 'fingerprint', 'caCertificate'] as const;

function refuseDirectDetails(input: ClusterPatch): void {
  const given = DIRECT_ONLY.filter((field) => input[field] !== undefined);
  if (given.length === 0) return;
  throw new ValidationError(
    given.map((field) => ({
      path: field,
      rule: 'cluster.agent-holds-connection',
      message:
        'an agent cluster stores no connection details: the agent holds the URL, token and certificate pin',
    })),
  );
}

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
  await checkClusterWrite(deps, context.principal.tenantId);
  if (input.connection === 'agent') return await registerAgentCluster(deps, context, id, input);
  const { url, tokenId, tokenSecret } = requireDirectDetails(input, 'required for a direct cluster');
  const endpoint = {
    url,
    tokenId,
    ...(input.fingerprint ? { fingerprint: normalizeFingerprint(input.fingerprint) } : {}),
    ...(input.caCertificate ? { caCertificate: input.caCertificate } : {}),
  };
  await probeCluster(deps.proxmox, connectionTo(endpoint, tokenSecret));
  const at = new Date(deps.now()).toISOString();
  const tenantId = context.principal.tenantId;
  const secretRef = await deps.secrets.put(secretName({ tenantId, id }), tokenSecret);
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

/**
 * Registers a cluster reached through an agent: nothing to probe and no secret to store (the
 * agent holds the Proxmox token); the agent connects once it has a key (POST …/agent-keys).
 */
async function registerAgentCluster(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  input: ClusterInput,
): Promise<Cluster> {
  refuseDirectDetails(input);
  const at = new Date(deps.now()).toISOString();
  const cluster: Cluster = {
    id,
    tenantId: context.principal.tenantId,
    name: input.name,
    connection: 'agent',
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
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
  const from = before.connection ?? 'direct';
  const to = patch.connection ?? from;
  if (to === 'agent') refuseDirectDetails(patch);
  if (from === 'agent' && to === 'direct') {
    requireDirectDetails(patch, 'required to reach the cluster directly (it was reached through its agent)');
  }
  const { tokenSecret, fingerprint, connection: _connection, ...fields } = patch;
  const changed: Cluster = {
    ...before,
    ...fields,
    ...(fingerprint !== undefined ? { fingerprint: normalizeFingerprint(fingerprint) } : {}),
    updatedAt: new Date(deps.now()).toISOString(),
    version: before.version + 1,
  };
  const after = to === 'agent' ? withoutDirectDetails(changed) : withoutAgentMode(changed);
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
      connectionTo(
        { ...after, url: after.url ?? '', tokenId: after.tokenId ?? '' },
        tokenSecret ?? (await deps.secrets.get(before.secretRef ?? '')),
      ),
    );
  }
  // Switching to direct stores the token first (as registering does) and removes it again if
  // the record update fails; rotating replaces it in place only after the update succeeded, so
  // a rejected update leaves the old secret working.
  const switchingToDirect = from === 'agent' && to === 'direct' && tokenSecret !== undefined;
  const stored: Cluster = switchingToDirect
    ? { ...after, secretRef: await deps.secrets.put(secretName(after), tokenSecret) }
    : after;
  try {
    await deps.store.clusters.update(before, stored, [
      deps.store.audit.entry(
        auditEvent(deps, context, {
          action: 'cluster.update',
          resourceType: 'cluster',
          resourceId: clusterId,
          before: auditSummary(clusterView(before)),
          after: {
            ...auditSummary(clusterView(stored)),
            ...(tokenSecret !== undefined ? { tokenSecret: '[rotated]' } : {}),
          },
        }),
      ),
    ]);
  } catch (error) {
    if (switchingToDirect && stored.secretRef) await deps.secrets.delete(stored.secretRef);
    throw error;
  }
  if (tokenSecret !== undefined && !switchingToDirect)
    await deps.secrets.put(secretName(stored), tokenSecret);
  // Reached through its agent from now on: the Proxmox token no longer stays with the service.
  if (from === 'direct' && to === 'agent' && before.secretRef) await deps.secrets.delete(before.secretRef);
  return stored;
}

/** What reaching a cluster directly needs (registering it, or switching it from its agent). */
function requireDirectDetails(
  input: ClusterPatch,
  message: string,
): { url: string; tokenId: string; tokenSecret: string } {
  const { url, tokenId, tokenSecret } = input;
  if (url !== undefined && tokenId !== undefined && tokenSecret !== undefined)
    return { url, tokenId, tokenSecret };
  throw new ValidationError(
    (['url', 'tokenId', 'tokenSecret'] as const)
      .filter((field) => input[field] === undefined)
      .map((field) => ({ path: field, rule: 'required', message })),
  );
}

function withoutDirectDetails(cluster: Cluster): Cluster {
  const {
    url: _url,
    tokenId: _tokenId,
    secretRef: _secretRef,
    fingerprint: _fingerprint,
    caCertificate: _caCertificate,
    ...rest
  } = cluster;
  return { ...rest, connection: 'agent' };
}

/** Direct is the default: a direct cluster's record carries no `connection`, as registered ones. */
function withoutAgentMode(cluster: Cluster): Cluster {
  const { connection: _connection, ...rest } = cluster;
  return rest;
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
  if (cluster.secretRef) await deps.secrets.delete(cluster.secretRef);
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
