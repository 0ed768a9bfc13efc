/**
 * The tenant's usage counter: per storage, the bytes and number of the service's archives that
 * exist. Kept by the writes that change a record (in the same transaction), so the byte quotas
 * read one Query instead of the catalog; the daily sweep writes it again from the catalog.
 */

/** What of a backup record the counter looks at. */
export interface CountedArchive {
  readonly storage: string;
  readonly status: string;
  readonly origin: string;
  readonly size?: number | undefined;
}

/** One storage's change of the counter. */
export interface UsageDelta {
  readonly storage: string;
  readonly bytes: number;
  readonly archives: number;
}

/** One storage's figures on the counter. */
export interface StorageUsage {
  readonly storage: string;
  readonly bytes: number;
  readonly archives: number;
}

/**
 * Whether an archive counts: it exists (`created`), the service made it (archives found on a
 * storage, made by someone else, are not the tenant's use) and has a size.
 */
const counts = (archive: CountedArchive | undefined): archive is CountedArchive & { size: number } =>
  archive !== undefined && archive.status === 'created' && archive.origin !== 'external' && !!archive.size;

/** What a write from `before` to `after` (either absent: created or gone) changes on the counter. */
export function usageDelta(
  before: CountedArchive | undefined,
  after: CountedArchive | undefined,
): UsageDelta[] {
  const byStorage = new Map<string, { bytes: number; archives: number }>();
  const add = (archive: CountedArchive & { size: number }, sign: 1 | -1) => {
    const entry = byStorage.get(archive.storage) ?? { bytes: 0, archives: 0 };
    byStorage.set(archive.storage, {
      bytes: entry.bytes + sign * archive.size,
      archives: entry.archives + sign,
    });
  };
  if (counts(before)) add(before, -1);
  if (counts(after)) add(after, 1);
  return [...byStorage]
    .filter(([, change]) => change.bytes !== 0 || change.archives !== 0)
    .map(([storage, change]) => ({ storage, ...change }));
}

/** The counter as the catalog says it should be: what the daily sweep writes. */
export function usageOf(archives: Iterable<CountedArchive>): StorageUsage[] {
  const byStorage = new Map<string, StorageUsage>();
  for (const archive of archives) {
    if (!counts(archive)) continue;
    const entry = byStorage.get(archive.storage) ?? { storage: archive.storage, bytes: 0, archives: 0 };
    byStorage.set(archive.storage, {
      ...entry,
      bytes: entry.bytes + archive.size,
      archives: entry.archives + 1,
    });
  }
  return [...byStorage.values()];
}

/** Bytes in total and per storage, as the byte quotas read them. */
export function bytesOf(usage: readonly StorageUsage[]): { total: number; byStorage: Map<string, number> } {
  const byStorage = new Map<string, number>();
  let total = 0;
  for (const entry of usage) {
    if (entry.bytes <= 0) continue;
    total += entry.bytes;
    byStorage.set(entry.storage, entry.bytes);
  }
  return { total, byStorage };
}
