import { useState } from 'preact/hooks';
import { type Loaded, useLoad } from './use-load.ts';

/** One page of a list route: its items and, when more follow, the cursor to the next. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

export interface Paged<T> {
  /** The first page, loaded once per key. */
  readonly first: Loaded<Page<T>>;
  /** Every item loaded so far: the first page's, then those "Load more" appended. */
  readonly items: T[];
  /** Loads and appends the next page; absent when there is none. */
  readonly loadMore?: () => Promise<void>;
}

/**
 * A list read page by page: the first page once per change of `key` (the filters), later pages
 * appended on demand. A new key starts from the first page again.
 */
export function usePaged<T>(page: (cursor?: string) => Promise<Page<T>>, key: string): Paged<T> {
  const [more, setMore] = useState<{ items: T[]; cursor?: string }>({ items: [] });
  const first = useLoad(async () => {
    const loaded = await page();
    setMore({ items: [], ...(loaded.nextCursor ? { cursor: loaded.nextCursor } : {}) });
    return loaded;
  }, key);
  const { cursor } = more;
  const loadMore = async (from: string) => {
    const next = await page(from);
    setMore((previous) => ({
      items: [...previous.items, ...next.items],
      ...(next.nextCursor ? { cursor: next.nextCursor } : {}),
    }));
  };
  return {
    first,
    items: [...(first.data?.items ?? []), ...more.items],
    ...(cursor ? { loadMore: () => loadMore(cursor) } : {}),
  };
}

/** The "Load more" button of a paged list, shown while a next page exists. */
export function LoadMore(props: { paged: Paged<unknown>; onError?: (error: unknown) => void }) {
  const { loadMore } = props.paged;
  if (!loadMore) return null;
  return (
    <button
      type="button"
      class="secondary"
      onClick={() => void loadMore().catch(props.onError ?? (() => {}))}
    >
      Load more
    </button>
  );
}
