/**
 * Sign-in at the OIDC issuer the API trusts: authorization code with PKCE, no client secret
 * (a browser keeps none). The verifier and state stay in this tab's sessionStorage.
 */
import { authorizeUrl, challengeFor, randomVerifier, tokenRequestBody } from './pkce.ts';

interface Discovery {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
}

interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes?: string;
  readonly token?: 'access' | 'id';
}

const PENDING_KEY = 'pve-snapshots.pkce';
export const CALLBACK_PATH = '/auth/callback';

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`the issuer's discovery document answered ${response.status}`);
  return (await response.json()) as Discovery;
}

/** Step 1: remember verifier and state for this tab, then go to the issuer's login page. */
export async function beginSignIn(settings: OidcSettings): Promise<void> {
  const discovery = await discover(settings.issuer);
  const verifier = randomVerifier();
  const state = randomVerifier();
  const redirectUri = `${location.origin}${CALLBACK_PATH}`;
  sessionStorage.setItem(
    PENDING_KEY,
    JSON.stringify({ verifier, state, tokenEndpoint: discovery.token_endpoint, redirectUri }),
  );
  location.assign(
    authorizeUrl({
      authorizationEndpoint: discovery.authorization_endpoint,
      clientId: settings.clientId,
      redirectUri,
      scopes: settings.scopes ?? 'openid',
      state,
      challenge: await challengeFor(verifier),
    }),
  );
}

/** Step 2, on the callback page: check the state, trade the code for tokens. */
export async function completeSignIn(settings: OidcSettings, query: URLSearchParams): Promise<string> {
  const pending = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (query.get('error')) throw new Error(query.get('error_description') ?? query.get('error') ?? 'refused');
  if (!pending) throw new Error('no sign-in was started in this tab');
  const { verifier, state, tokenEndpoint, redirectUri } = JSON.parse(pending) as Record<string, string>;
  const code = query.get('code');
  if (!code || query.get('state') !== state) throw new Error('the answer does not belong to this sign-in');
  const response = await fetch(tokenEndpoint as string, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody({
      code,
      verifier: verifier as string,
      clientId: settings.clientId,
      redirectUri: redirectUri as string,
    }),
  });
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
  const tokens = (await response.json()) as { access_token?: string; id_token?: string };
  const token = settings.token === 'id' ? tokens.id_token : tokens.access_token;
  if (!token) throw new Error(`the issuer sent no ${settings.token === 'id' ? 'ID' : 'access'} token`);
  return token;
}
