import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  reload(): void;
}

/**
 * Loads once per change of `key`, and again every `pollMs` while `poll(data)` holds (a run in
 * progress); an answer that arrives after a newer request is dropped.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  key: string,
  options: { pollMs?: number; poll?: (data: T) => boolean } = {},
): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: Error) =>
        mine === generation.current && setState((previous) => ({ ...previous, error, loading: false })),
    );
  }, []);
  useEffect(() => {
    setState({ loading: true });
    run();
  }, [key, run]);
  const { pollMs, poll } = options;
  const data = state.data;
  useEffect(() => {
    if (!pollMs || data === undefined || !poll?.(data)) return;
    const timer = setTimeout(run, pollMs);
    return () => clearTimeout(timer);
  }, [data, pollMs, poll, run]);
  return { data: state.data, error: state.error, loading: state.loading, reload: run };
}
