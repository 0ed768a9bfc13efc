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
