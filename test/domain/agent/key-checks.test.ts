import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_RECHECK_MS, RecentKeyChecks } from '#shared/domain/agent/key-checks.ts';

describe('RecentKeyChecks', () => {
  it('asks for a read of a connection never checked, and again once the interval has passed since the last pass', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ connection: fc.constantFrom('a', 'b', 'c'), advance: fc.nat(3 * KEY_RECHECK_MS) }),
          {
            maxLength: 40,
          },
        ),
        (steps) => {
          let now = 0;
          const checks = new RecentKeyChecks(() => now);
          const passedAt = new Map<string, number>();
          for (const step of steps) {
            now += step.advance;
            const last = passedAt.get(step.connection);
            expect(checks.due(step.connection)).toBe(last === undefined || now - last >= KEY_RECHECK_MS);
            if (checks.due(step.connection)) {
              checks.passed(step.connection);
              passedAt.set(step.connection, now);
            }
          }
        },
      ),
    );
  });

  it('keeps each connection apart', () => {
    const checks = new RecentKeyChecks(() => 0);
    checks.passed('a');
    expect(checks.due('a')).toBe(false);
    expect(checks.due('b')).toBe(true);
  });
});
