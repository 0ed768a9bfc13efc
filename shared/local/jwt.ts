import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { OPERATOR_SCOPE } from '#shared/api/plans/operator-scope.ts';

/** Issuer and audience of local tokens; the local server checks both, as API Gateway's JWT authorizer does. */
export const LOCAL_ISSUER = 'urn:pve-snapshots:local';
export const LOCAL_AUDIENCE = 'pve-snapshots-api';

export interface SigningKey {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/** The local ES256 signing key, created once under the data folder. */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SigningKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const key: SigningKey = {
    privateJwk: { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'local-1' },
    publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'local-1' },
  };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // `wx`: if another process created the key meanwhile, keep theirs.
  try {
    await writeFile(file, JSON.stringify(key), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return JSON.parse(await readFile(file, 'utf8')) as SigningKey;
    throw error;
  }
  return key;
}

/**
 * The signing key a service created under its data folder, or `undefined` when there is none:
 * minting a key is the service's job, so a token command never makes one nobody verifies with.
 */
export async function readSigningKey(file: string): Promise<SigningKey | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SigningKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface TokenRequest {
  readonly tenant: string;
  readonly role: string;
  readonly subject: string;
  readonly ttlSeconds: number;
  readonly audience?: string;
  readonly claimNames?: { readonly tenant: string; readonly role: string };
}

export async function mintToken(key: SigningKey, request: TokenRequest): Promise<string> {
  const names = request.claimNames ?? { tenant: 'tenant', role: 'role' };
  return await new SignJWT({ [names.tenant]: request.tenant, [names.role]: request.role })
    .setProtectedHeader({ alg: 'ES256', kid: key.privateJwk.kid ?? 'local-1', typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(request.audience ?? LOCAL_AUDIENCE)
    .setSubject(request.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + request.ttlSeconds)
    .sign(await importJWK(key.privateJwk, 'ES256'));
}

/**
 * The service operator's token: the operator scope and a subject, no tenant and no role, so no
 * tenant route accepts it and only it passes the operator routes.
 */
export async function mintOperatorToken(
  key: SigningKey,
  request: { readonly subject: string; readonly ttlSeconds: number },
): Promise<string> {
  return await new SignJWT({ scope: OPERATOR_SCOPE })
    .setProtectedHeader({ alg: 'ES256', kid: key.privateJwk.kid ?? 'local-1', typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(request.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + request.ttlSeconds)
    .sign(await importJWK(key.privateJwk, 'ES256'));
}

/**
 * A verified token whose tenant or role claim is not a string. API Gateway would pass such a
 * claim on stringified ("null", "12345"); the local gateway sees the raw token and refuses it.
 */
export class ClaimTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaimTypeError';
  }
}

const typeOfClaim = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

/**
 * Verifies a bearer token the way API Gateway's JWT authorizer does (signature, issuer,
 * audience, expiry, not-before) and returns its claims as the authorizer passes them on:
 * every value a string. A tenant or role claim that is present but not a string throws
 * {@link ClaimTypeError}; any other failure is jose's error, whose message names the reason.
 */
export function createTokenVerifier(
  key: SigningKey,
  claimNames: { readonly tenant: string; readonly role: string } = { tenant: 'tenant', role: 'role' },
) {
  const publicKey = importJWK(key.publicJwk, 'ES256');
  return async (token: string): Promise<Record<string, string>> => {
    const { payload } = await jwtVerify(token, await publicKey, {
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      algorithms: ['ES256'],
      requiredClaims: ['exp'],
    });
    for (const name of [claimNames.tenant, claimNames.role]) {
      const value = payload[name];
      if (value !== undefined && typeof value !== 'string')
        throw new ClaimTypeError(`the '${name}' claim is ${typeOfClaim(value)}, not a string`);
    }
    return stringifyClaims(payload);
  };
}

function stringifyClaims(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (Array.isArray(value)) claims[name] = `[${value.join(' ')}]`;
    else if (typeof value === 'object' && value !== null) claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}
