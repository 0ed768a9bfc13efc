/** What /console-config.json says: how this deployment signs users in. */
export interface ClaimNames {
  readonly tenant: string;
  readonly role: string;
}

export type ConsoleConfig =
  | { readonly auth: { readonly kind: 'local'; readonly claims?: ClaimNames } }
  | {
      readonly auth: {
        readonly kind: 'oidc';
        /** The issuer the API's JWT authorizer trusts. */
        readonly issuer: string;
        readonly clientId: string;
        readonly scopes?: string;
        /** Which token goes to the API: the access token (default) or the ID token. */
        readonly token?: 'access' | 'id';
        readonly claims?: ClaimNames;
      };
    };

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console-config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`/console-config.json answered ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}
