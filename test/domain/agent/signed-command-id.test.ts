import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCommandId, commandIdExpiry, signCommandId } from '#shared/domain/agent/signed-command-id.ts';

const KEY = randomBytes(32);
const scopes = fc.record({ tenantId: fc.string({ minLength: 1 }), clusterId: fc.string({ minLength: 1 }) });
const ids = fc.stringMatching(/^cmd_[0-9A-Z]{26}$/);
const expiries = fc.integer({ min: 1, max: 4_102_444_800_000 });

describe('a signed command id', () => {
  it('checks out for the scope it was signed for until it expires, then is expired', () => {
    fc.assert(
      fc.property(
        scopes,
        ids,
        expiries,
        fc.integer({ min: 0, max: 10_000_000 }),
        (scope, id, expiresAt, ms) => {
          const signed = signCommandId(KEY, scope, id, expiresAt);
          expect(signed.startsWith(`${id}.`)).toBe(true);
          expect(commandIdExpiry(signed)).toBe(expiresAt);
          expect(checkCommandId(KEY, scope, signed, expiresAt - ms)).toBe('valid');
          expect(checkCommandId(KEY, scope, signed, expiresAt + 1 + ms)).toBe('expired');
          // A followed task's reports come after the expiry: only the origin is checked for them.
          expect(checkCommandId(KEY, scope, signed)).toBe('valid');
        },
      ),
    );
  });

  it('is forged for any other tenant or cluster, under any other key', () => {
    fc.assert(
      fc.property(scopes, scopes, ids, expiries, (scope, other, id, expiresAt) => {
        fc.pre(scope.tenantId !== other.tenantId || scope.clusterId !== other.clusterId);
        const signed = signCommandId(KEY, scope, id, expiresAt);
        expect(checkCommandId(KEY, other, signed, 0)).toBe('forged');
        expect(checkCommandId(randomBytes(32), scope, signed, 0)).toBe('forged');
      }),
    );
  });

  it('never checks out once any character of it changed', () => {
    fc.assert(
      fc.property(
        scopes,
        ids,
        expiries,
        fc.nat(),
        fc.constantFrom(...'0123456789abcdefABCDEF_-.xyzXYZ'),
        (scope, id, expiresAt, at, replacement) => {
          const signed = signCommandId(KEY, scope, id, expiresAt);
          const index = at % signed.length;
          fc.pre(signed[index] !== replacement);
          const changed = `${signed.slice(0, index)}${replacement}${signed.slice(index + 1)}`;
          expect(checkCommandId(KEY, scope, changed, 0)).not.toBe('valid');
        },
      ),
    );
  });

  it('an id without a signature is unsigned', () => {
    const scope = { tenantId: 't', clusterId: 'c' };
    for (const id of [
      'cmd_01M8PGJN9JZ2D39Q2MDQ5BBMQC',
      '',
      'a.b.c',
      `cmd_x.${'z'.repeat(12)}.${'A'.repeat(22)}`,
    ]) {
      expect(checkCommandId(KEY, scope, id, 0)).toBe('unsigned');
      expect(commandIdExpiry(id)).toBeUndefined();
    }
  });
});
