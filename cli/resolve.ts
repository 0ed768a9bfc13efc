import { type ApiClient, unwrap } from '../client/api-client.ts';
import { CliError, ExitCode } from './exit-codes.ts';

const ID_PATTERN = /^[a-z]{2,4}_[0-9A-Z]{26}$/;
const PAGE_SIZE = 200;

interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** Every item of a paginated list, or the first `limit`, following `nextCursor`. */
export async function listAll<T>(
  fetchPage: (query: { limit: number; cursor?: string }) => Promise<Page<T>>,
  limit = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage({
      limit: Math.min(PAGE_SIZE, limit - items.length),
      ...(cursor ? { cursor } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < limit);
  return items.slice(0, limit);
}

/** An id as the API returns it, or the one item whose name (case-insensitive) is `reference`. */
async function byIdOrName<T extends { id: string }>(
  what: string,
  reference: string,
  list: () => Promise<T[]>,
  names: (item: T) => readonly string[],
): Promise<string> {
  if (ID_PATTERN.test(reference)) return reference;
  const wanted = reference.toLowerCase();
  const matches = (await list()).filter((item) => names(item).some((name) => name.toLowerCase() === wanted));
  if (matches.length === 0) throw new CliError(`no ${what} named "${reference}"`, ExitCode.notFound);
  if (matches.length > 1)
    throw new CliError(
      `"${reference}" names ${matches.length} ${what}s (${matches.map((item) => item.id).join(', ')}); give the id`,
      ExitCode.usage,
    );
  return (matches[0] as T).id;
}

export function resolvePolicy(client: ApiClient, reference: string): Promise<string> {
  return byIdOrName(
    'policy',
    reference,
    () => listAll(async (query) => (await unwrap(client.GET('/v1/policies', { params: { query } }))).data),
    (policy) => [policy.name],
  );
}

export function resolveRestoreTest(client: ApiClient, reference: string): Promise<string> {
  return byIdOrName(
    'restore test',
    reference,
    () =>
      listAll(async (query) => (await unwrap(client.GET('/v1/restore-tests', { params: { query } }))).data),
    (test) => [test.name],
  );
}

export function resolveCluster(client: ApiClient, reference: string): Promise<string> {
  return byIdOrName(
    'cluster',
    reference,
    () => listAll(async (query) => (await unwrap(client.GET('/v1/clusters', { params: { query } }))).data),
    (cluster) => [cluster.name],
  );
}

/** A subscription by id, or by its target (the email address or webhook URL). */
export function resolveSubscription(client: ApiClient, reference: string): Promise<string> {
  return byIdOrName(
    'subscription',
    reference,
    () =>
      listAll(async (query) => (await unwrap(client.GET('/v1/subscriptions', { params: { query } }))).data),
    (subscription) => [subscription.target],
  );
}

/**
 * A backup by its id (`bk_…`), or by Proxmox's volid (`backup-nfs:backup/vzdump-qemu-101-….vma.zst`),
 * looked up among that storage's backups.
 */
export async function resolveBackup(client: ApiClient, reference: string): Promise<string> {
  if (reference.startsWith('bk_')) return reference;
  const colon = reference.indexOf(':');
  if (colon <= 0)
    throw new CliError(`not a backup id (bk_…) or volid (storage:backup/…): ${reference}`, ExitCode.usage);
  const storage = reference.slice(0, colon);
  const matches = (
    await listAll(
      async (query) =>
        (
          await unwrap(client.GET('/v1/backups', { params: { query: { ...query, storage } } }))
        ).data,
    )
  ).filter((backup) => backup.volid === reference);
  const [any] = matches;
  if (!any) throw new CliError(`no backup with volid ${reference}`, ExitCode.notFound);
  // Deleted records keep their volid; an archive written again under the same name is the live one.
  return (matches.find((backup) => backup.status !== 'deleted') ?? any).id;
}

/** Cluster names by id, so guests show as `lab/101`, the way they can be named back. */
export async function clusterNames(client: ApiClient): Promise<Map<string, string>> {
  const clusters = await listAll(
    async (query) => (await unwrap(client.GET('/v1/clusters', { params: { query } }))).data,
  );
  return new Map(clusters.map((cluster) => [cluster.id, cluster.name]));
}

/** A guest as `<cluster name>/<vmid>` (`lab/101`), or its id when the cluster is unknown. */
export const guestName = (
  names: ReadonlyMap<string, string>,
  guest: { guestId: string; clusterId: string; vmid: number },
): string => {
  const cluster = names.get(guest.clusterId);
  return cluster ? `${cluster}/${guest.vmid}` : guest.guestId;
};

/** A guest id (`<cluster id>.<vmid>`) as `lab/101`, or the id itself when its cluster is unknown. */
export const guestLabel = (names: ReadonlyMap<string, string>, guestId: string): string => {
  const dot = guestId.lastIndexOf('.');
  return guestName(names, {
    guestId,
    clusterId: guestId.slice(0, dot),
    vmid: Number(guestId.slice(dot + 1)),
  });
};
