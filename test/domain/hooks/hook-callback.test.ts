import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  callbackSecretMatches,
  newCallbackToken,
  parseCallbackToken,
} from '#shared/domain/hooks/hook-callback.ts';
import { signatureHeader, signatureMatches } from '#shared/domain/notifications/webhook-signature.ts';

const location = fc.record({
  tenantId: fc.stringMatching(/^[a-z0-9-]{2,20}$/),
  runId: fc.stringMatching(/^run_[0-9A-Z]{26}$/),
  guestId: fc.stringMatching(/^cl_[0-9A-Z]{26}\.[0-9]{3,9}$/),
  phase: fc.constantFrom('pre' as const, 'post' as const),
});

describe('a hook\u2019s callback token', () => {
  it('names its call and proves itself against the stored hash only (property)', () => {
    fc.assert(
      fc.property(location, location, (here, elsewhere) => {
        const { token, hash } = newCallbackToken(here);
        const parsed = parseCallbackToken(token);
        expect(parsed?.location).toEqual(here);
        expect(callbackSecretMatches(parsed?.secret ?? '', hash)).toBe(true);
        // The secret of another call's token never matches this call's hash.
        const other = parseCallbackToken(newCallbackToken(elsewhere).token);
        expect(callbackSecretMatches(other?.secret ?? '', hash)).toBe(false);
        // The token never carries the hash, so a reader of the table cannot make one.
        expect(token).not.toContain(hash);
      }),
    );
  });

  it('is nothing when it is not one: no secret, a short secret, no location, a bad phase', () => {
    const where = Buffer.from(JSON.stringify(['acme', 'run_1', 'cl_1.100', 'pre'])).toString('base64url');
    const secret = 'A'.repeat(43);
    expect(parseCallbackToken(`${where}.${secret}`)).toBeDefined();
    for (const bad of [
      where,
      `${where}.${secret.slice(1)}`,
      `.${secret}`,
      `${where}.${secret}.x`,
      `${Buffer.from(JSON.stringify(['acme', 'run_1', 'cl_1.100', 'during'])).toString('base64url')}.${secret}`,
      `${Buffer.from('not json').toString('base64url')}.${secret}`,
    ])
      expect(parseCallbackToken(bad), bad).toBeUndefined();
    expect(callbackSecretMatches(secret, undefined)).toBe(false);
  });
});

describe('a callback\u2019s signature', () => {
  const secrets = { current: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };

  it('matches what the secret signs, and nothing else: another body, id, time or secret (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ minLength: 1 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (body, id, at) => {
          const header = signatureHeader(secrets, 0, id, at, body);
          expect(signatureMatches(secrets, 0, header, id, at, body)).toBe(true);
          expect(signatureMatches(secrets, 0, header, id, at, `${body} `)).toBe(false);
          expect(signatureMatches(secrets, 0, header, `${id}x`, at, body)).toBe(false);
          expect(signatureMatches(secrets, 0, header, id, at + 1, body)).toBe(false);
          expect(
            signatureMatches({ current: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAA' }, 0, header, id, at, body),
          ).toBe(false);
        },
      ),
    );
  });
});
