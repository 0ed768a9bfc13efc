import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  confirmationCodeMac,
  confirmationCodeMatches,
  newConfirmationCode,
} from '#shared/domain/notifications/confirmation-code.ts';

const key = randomBytes(32);
const owner = { tenantId: 'acme', id: 'sub_01JD0000000000000000000001' };
const code = fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0'));

describe('confirmation codes', () => {
  it('are six digits', () => {
    for (let index = 0; index < 200; index++) expect(newConfirmationCode()).toMatch(/^\d{6}$/);
  });

  it('match only the code they were made from (property)', () => {
    fc.assert(
      fc.property(code, code, (mailed, typed) => {
        const mac = confirmationCodeMac(key, owner, mailed);
        expect(confirmationCodeMatches(key, owner, typed, mac)).toBe(typed === mailed);
      }),
    );
  });

  it('are keyed and bound to their subscription: no plain hash, another key or subscription never matches', () => {
    const mac = confirmationCodeMac(key, owner, '042424');
    expect(mac).not.toContain(createHash('sha256').update('042424').digest('hex'));
    expect(mac).not.toBe(createHash('sha256').update('042424').digest('base64url'));
    expect(confirmationCodeMatches(randomBytes(32), owner, '042424', mac)).toBe(false);
    expect(
      confirmationCodeMatches(key, { ...owner, id: 'sub_01JD0000000000000000000002' }, '042424', mac),
    ).toBe(false);
    expect(confirmationCodeMatches(key, { ...owner, tenantId: 'other' }, '042424', mac)).toBe(false);
    // A stored value of another shape (an old SHA-256 hex) is refused, not compared byte by byte.
    expect(
      confirmationCodeMatches(key, owner, '042424', createHash('sha256').update('042424').digest('hex')),
    ).toBe(false);
  });
});
