import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';
import { ErrorMessage, Field } from '../ui/components.tsx';
import type { ConsoleConfig } from './console-config.ts';
import { beginSignIn } from './oidc-sign-in.ts';
import type { Role } from './session.ts';

const ROLE_TEXT: Record<Role, string> = {
  admin: 'admin: everything, including policies, clusters and subscriptions',
  operator: 'operator: run policies, take and restore snapshots',
  viewer: 'viewer: read only',
};

async function localToken(role: Role): Promise<string> {
  const response = await fetch('/local/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role }),
  });
  const body = (await response.json()) as { token?: string };
  if (!response.ok || !body.token) throw new ApiError(response.status, body);
  return body.token;
}

export function SignInPage(props: {
  config: ConsoleConfig;
  error?: unknown;
  onSignedIn: (token: string) => boolean;
}) {
  const [role, setRole] = useState<Role>('admin');
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<unknown>(props.error);
  const [busy, setBusy] = useState(false);
  const auth = props.config.auth;

  const useToken = (token: string) => {
    if (!props.onSignedIn(token))
      setError(new Error('That is not a valid, unexpired token with a tenant and a role.'));
  };

  return (
    <section class="sign-in">
      <h1 tabIndex={-1}>Sign in</h1>
      <ErrorMessage error={error} />
      {auth.kind === 'oidc' ? (
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            beginSignIn(auth).catch((failure: unknown) => {
              setError(failure);
              setBusy(false);
            });
          }}
        >
          Sign in with {new URL(auth.issuer).host}
        </button>
      ) : (
        <>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              setBusy(true);
              localToken(role)
                .then(useToken, setError)
                .finally(() => setBusy(false));
            }}
          >
            <fieldset>
              <legend>Local service: sign in to the demo tenant as</legend>
              {(Object.keys(ROLE_TEXT) as Role[]).map((value) => (
                <label key={value} class="choice">
                  <input
                    type="radio"
                    name="role"
                    value={value}
                    checked={role === value}
                    onChange={() => setRole(value)}
                  />
                  {ROLE_TEXT[value]}
                </label>
              ))}
            </fieldset>
            <button type="submit" disabled={busy}>
              Sign in as demo {role}
            </button>
          </form>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              useToken(pasted);
            }}
          >
            <h2>Or paste a token</h2>
            <Field label="Token" hint="From: npm run --silent token -- --tenant demo --role admin">
              {({ id, describedBy }) => (
                <textarea
                  id={id}
                  aria-describedby={describedBy}
                  rows={4}
                  value={pasted}
                  onInput={(event) => setPasted(event.currentTarget.value)}
                />
              )}
            </Field>
            <button type="submit" class="secondary" disabled={!pasted.trim()}>
              Use this token
            </button>
          </form>
        </>
      )}
    </section>
  );
}
