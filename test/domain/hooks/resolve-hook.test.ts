import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyHooksSchema } from '#shared/domain/hooks/hook-spec.ts';
import { hookFor, hookIssues, policyHasHooks } from '#shared/domain/hooks/resolve-hook.ts';

const guest = 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.102';
const https = (path: string) => ({ kind: 'https' as const, url: `https://hooks.example.com/${path}` });

describe('a guest\u2019s hook', () => {
  const hooks = PolicyHooksSchema.parse({
    pre: https('pre'),
    post: https('post'),
    overrides: { [guest]: { pre: https('own'), post: null } },
  });

  it('is the guest\u2019s override, none when the override turns it off, else the policy\u2019s', () => {
    expect(hookFor(hooks, guest, 'pre')).toMatchObject({ url: 'https://hooks.example.com/own' });
    expect(hookFor(hooks, guest, 'post')).toBeUndefined();
    expect(hookFor(hooks, 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.100', 'post')).toMatchObject({
      url: 'https://hooks.example.com/post',
      timeoutSeconds: 30,
      onFailure: 'abort',
    });
    expect(hookFor(undefined, guest, 'pre')).toBeUndefined();
  });

  it('exists for some guest exactly when the policy has hooks (property)', () => {
    const maybeHook = fc.option(fc.constant(https('x')), { nil: undefined });
    fc.assert(
      fc.property(
        maybeHook,
        maybeHook,
        fc.option(fc.constantFrom(https('o'), null), { nil: undefined }),
        (pre, post, own) => {
          const parsed = PolicyHooksSchema.parse({
            ...(pre ? { pre } : {}),
            ...(post ? { post } : {}),
            ...(own !== undefined ? { overrides: { [guest]: { pre: own } } } : {}),
          });
          const guests = [guest, 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.100'];
          const any = guests.some((g) => hookFor(parsed, g, 'pre') || hookFor(parsed, g, 'post'));
          expect(policyHasHooks(parsed)).toBe(any);
        },
      ),
    );
  });
});

describe('hooks at save', () => {
  it('refuses an agent program off the allow-list, a plain-http URL and an override that is not a guest id', () => {
    const issues = hookIssues(
      PolicyHooksSchema.parse({
        allowedCommands: ['sync'],
        pre: { kind: 'agent', command: ['rm', '-rf', '/'] },
        post: { kind: 'https', url: 'http://hooks.example.com/' },
        overrides: { 'web-01': { pre: { kind: 'agent', command: ['sync'] } } },
      }),
    );
    expect(issues.map((issue) => issue.rule).sort()).toEqual([
      'hooks.allowed-command',
      'hooks.guest-id',
      'hooks.https',
    ]);
  });

  it('bounds a hook\u2019s timeout at 10 minutes', () => {
    expect(PolicyHooksSchema.safeParse({ pre: { ...https('x'), timeoutSeconds: 601 } }).success).toBe(false);
    expect(PolicyHooksSchema.safeParse({ pre: { ...https('x'), timeoutSeconds: 600 } }).success).toBe(true);
  });
});
