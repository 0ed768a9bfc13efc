import { describe, expect, it } from 'vitest';
import { authorizeUrl, challengeFor, randomVerifier, tokenRequestBody } from '../../console/src/auth/pkce.ts';

describe('PKCE for the console sign-in', () => {
  it('derives the S256 challenge of RFC 7636 appendix B from its verifier', async () => {
    expect(await challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes a fresh 43-character verifier of unreserved characters each time', () => {
    const verifiers = new Set(Array.from({ length: 20 }, () => randomVerifier()));
    expect(verifiers.size).toBe(20);
    for (const verifier of verifiers) expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('asks the issuer for a code with the S256 challenge, state and redirect', () => {
    const url = new URL(
      authorizeUrl({
        authorizationEndpoint: 'https://idp.example.com/oauth2/authorize?tenant=x',
        clientId: 'console',
        redirectUri: 'https://console.example.com/auth/callback',
        scopes: 'openid profile',
        state: 'abc',
        challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://idp.example.com/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 'x',
      response_type: 'code',
      client_id: 'console',
      redirect_uri: 'https://console.example.com/auth/callback',
      scope: 'openid profile',
      state: 'abc',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
  });

  it('trades the code with the verifier and no client secret', () => {
    const body = tokenRequestBody({
      code: 'c0de',
      verifier: 'v',
      clientId: 'console',
      redirectUri: 'https://x/cb',
    });
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'authorization_code',
      code: 'c0de',
      code_verifier: 'v',
      client_id: 'console',
      redirect_uri: 'https://x/cb',
    });
  });
});
