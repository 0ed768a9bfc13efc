import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantId } from '#shared/domain/roles.ts';

describe('tenant ids from token claims', () => {
  it('accepts lower-case names with digits and hyphens', () => {
    for (const id of ['acme', 'demo', 'team-42', '42-team', 'a1']) expect(isTenantId(id), id).toBe(true);
  });

  it('refuses what a null, boolean or number claim becomes once stringified', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true })),
        (value) => {
          expect(isTenantId(String(value))).toBe(false);
          expect(isTenantId(value)).toBe(false);
        },
      ),
    );
  });

  it('refuses ids outside the rule', () => {
    for (const id of ['', 'a', 'ACME', 'acme!', '-acme', `a${'b'.repeat(63)}`, 'acme corp', 'undefined'])
      expect(isTenantId(id), id).toBe(false);
  });
});
