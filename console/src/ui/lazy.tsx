import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, Loading } from './components.tsx';

/**
 * A screen whose code is loaded the first time it is shown, so the first load stays small.
 * Once loaded, focus moves to its heading, as for any new screen.
 */
export function lazyScreen<P extends object>(
  what: string,
  load: () => Promise<(props: P) => JSX.Element>,
): (props: P) => JSX.Element {
  let loaded: ((props: P) => JSX.Element) | undefined;
  return function LazyScreen(props: P) {
    const [Screen, setScreen] = useState(() => loaded);
    const [error, setError] = useState<unknown>();
    useEffect(() => {
      if (Screen) return;
      load().then((component) => {
        loaded = component;
        setScreen(() => component);
        // The app moved focus when the path changed, before this heading existed.
        requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
      }, setError);
    }, [Screen]);
    if (error) return <ErrorMessage error={error} />;
    return Screen ? <Screen {...props} /> : <Loading what={what} />;
  };
}
