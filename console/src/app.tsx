import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createConsoleClient } from './api/client.ts';
import { type ConsoleConfig, loadConsoleConfig } from './auth/console-config.ts';
import { CALLBACK_PATH, completeSignIn } from './auth/oidc-sign-in.ts';
import { allows, tokenStore, type User, userFromToken } from './auth/session.ts';
import { SignInPage } from './auth/sign-in-page.tsx';
import { Link, match, navigate, useLocation } from './router.tsx';
import { AuditScreen } from './screens/audit.tsx';
import { DashboardScreen } from './screens/dashboard.tsx';
import { GuestScreen } from './screens/guest.tsx';
import { GuestsScreen } from './screens/guests.tsx';
import { PoliciesScreen } from './screens/policies.tsx';
import { PolicyScreen } from './screens/policy.tsx';
import { PolicyEditorScreen } from './screens/policy-editor.tsx';
import { RunScreen } from './screens/run.tsx';
import { RunsScreen } from './screens/runs.tsx';
import { SettingsScreen } from './screens/settings.tsx';
import { SubscriptionsScreen } from './screens/subscriptions.tsx';
import { type Session, SessionContext } from './session-context.ts';
import { ErrorMessage, Loading } from './ui/components.tsx';
import { lazyScreen } from './ui/lazy.tsx';

const NAV = [
  { href: '/', label: 'Dashboard' },
  { href: '/guests', label: 'Guests' },
  { href: '/policies', label: 'Policies' },
  { href: '/runs', label: 'Runs' },
  { href: '/restore-tests', label: 'Restore tests' },
  { href: '/storage', label: 'Storage' },
  { href: '/audit', label: 'Audit trail' },
  { href: '/subscriptions', label: 'Subscriptions' },
  { href: '/settings', label: 'Settings' },
];

// Screens added after the first-load budget was set come in their own chunks, loaded when first shown.
const RestoreTestsScreen = lazyScreen(
  'restore tests',
  async () => (await import('./screens/restore-tests.tsx')).RestoreTestsScreen,
);
const RestoreTestScreen = lazyScreen(
  'the restore test',
  async () => (await import('./screens/restore-test.tsx')).RestoreTestScreen,
);
const StorageScreen = lazyScreen(
  'storage',
  async () => (await import('./screens/storage.tsx')).StorageScreen,
);

/** Client routes, first match wins; the service answers each of them with index.html. */
const ROUTES: Array<[string, (params: Record<string, string>) => JSX.Element]> = [
  ['/', () => <DashboardScreen />],
  ['/guests', () => <GuestsScreen />],
  ['/guests/:id', (params) => <GuestScreen guestId={params.id as string} />],
  ['/policies', () => <PoliciesScreen />],
  ['/policies/new', () => <PolicyEditorScreen />],
  ['/policies/:id/edit', (params) => <PolicyEditorScreen policyId={params.id as string} />],
  ['/policies/:id', (params) => <PolicyScreen policyId={params.id as string} />],
  ['/runs', () => <RunsScreen />],
  ['/runs/:id', (params) => <RunScreen runId={params.id as string} />],
  ['/restore-tests', () => <RestoreTestsScreen />],
  ['/restore-tests/:id', (params) => <RestoreTestScreen testId={params.id as string} />],
  ['/storage', () => <StorageScreen />],
  ['/audit', () => <AuditScreen />],
  ['/subscriptions', () => <SubscriptionsScreen />],
  ['/settings', () => <SettingsScreen />],
];

function Screen({ path }: { path: string }) {
  for (const [pattern, render] of ROUTES) {
    const params = pattern === '/' ? (path === '/' ? {} : undefined) : match(pattern, path);
    if (params) return render(params);
  }
  return (
    <section>
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        No screen at <code>{path}</code>. <Link href="/">Back to the dashboard</Link>.
      </p>
    </section>
  );
}

const section = (path: string) => `/${path.split('/')[1] ?? ''}`;

export function App() {
  const { path, query } = useLocation();
  const [config, setConfig] = useState<ConsoleConfig>();
  const [configError, setConfigError] = useState<unknown>();
  const [user, setUser] = useState<User>();
  const [callbackError, setCallbackError] = useState<unknown>();
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => {
    loadConsoleConfig().then(setConfig, setConfigError);
  }, []);
  const claims = config?.auth.claims;
  useEffect(() => {
    if (!config) return;
    const stored = tokenStore.read();
    const restored = stored ? userFromToken(stored, claims) : undefined;
    if (stored && !restored) tokenStore.clear();
    setUser(restored);
  }, [config, claims]);

  useEffect(() => {
    if (config?.auth.kind !== 'oidc' || path !== CALLBACK_PATH) return;
    completeSignIn(config.auth, query).then((token) => {
      const signedIn = userFromToken(token, claims);
      if (!signedIn) throw new Error('the token names no tenant or role this console knows');
      tokenStore.write(token);
      setUser(signedIn);
      setSignIns((count) => count + 1);
      navigate('/', { replace: true });
    }, setCallbackError);
  }, [config, path, query, claims]);

  // A new screen moves focus to its heading, so a screen reader announces where the user is;
  // signing in or out is a new screen too, though the address stays. A page just loaded keeps
  // the browser's own start, where the skip link is the first stop.
  const [signIns, setSignIns] = useState(0);
  const loaded = useRef(false);
  useEffect(() => {
    if (!loaded.current) {
      loaded.current = true;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path, signIns]);

  const signOut = () => {
    tokenStore.clear();
    setUser(undefined);
    setSignIns((count) => count + 1);
  };
  const session = useMemo<Session | undefined>(() => {
    if (!user) return undefined;
    const api = createConsoleClient(user.token, signOut);
    return { api, user, can: (role) => allows(user.role, role) };
  }, [user]);

  if (configError) return <ErrorMessage error={configError} />;
  if (!config) return <Loading what="the console" />;
  if (!session) {
    if (path === CALLBACK_PATH && !callbackError) return <Loading what="your sign-in" />;
    return (
      <main id="main" ref={mainRef}>
        <SignInPage
          config={config}
          error={callbackError}
          onSignedIn={(token) => {
            const signedIn = userFromToken(token, claims);
            if (!signedIn) return false;
            tokenStore.write(token);
            setUser(signedIn);
            setSignIns((count) => count + 1);
            return true;
          }}
        />
      </main>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Proxmox snapshots</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={section(path) === item.href ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {session.user.tenant} · <span data-testid="role">{session.user.role}</span>
          </span>
          <button type="button" class="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef}>
        <Screen path={path} />
      </main>
    </SessionContext.Provider>
  );
}
