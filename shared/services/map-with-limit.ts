/**
 * Reads per guest kept this many in flight at once. A tenant's guests run to tens of thousands:
 * one request each, all at once, queued ~10,000 behind the SDK's 50 sockets and made DynamoDB
 * Local drop connections (a 10,000-guest sync failed with "socket hang up"); in AWS it would
 * spend the partition's read capacity in one burst.
 */
export const READS_IN_FLIGHT = 16;

/**
 * `Promise.all(items.map(fn))` with at most `limit` calls of `fn` running at once; results in the
 * items' order. The first rejection rejects the whole (calls already running are left to end).
 */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
