import { describe, expect, it } from 'vitest';
import { createLocalSignIn } from '#shared/local/console/local-sign-in.ts';

const minted: Array<[string, string, string]> = [];
const signIn = createLocalSignIn(async (tenant, role, subject) => {
  minted.push([tenant, role, subject]);
  return `token-for-${tenant}-${role}`;
});

const post = (body: unknown, remoteAddress = '127.0.0.1') =>
  signIn({
    method: 'POST',
    path: '/local/sign-in',
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    remoteAddress,
  });

describe('the local sign-in', () => {
  it('gives a caller on this machine a token of the demo tenant in the chosen role', async () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const answer = await post({ role: 'operator' }, address);
      expect(answer.status).toBe(200);
      expect(JSON.parse(String(answer.body))).toEqual({
        token: 'token-for-demo-operator',
        tenant: 'demo',
        role: 'operator',
      });
      expect(answer.headers['cache-control']).toBe('no-store');
    }
    expect(minted.at(-1)).toEqual(['demo', 'operator', 'console-operator']);
  });

  it('refuses a role that does not exist, naming the field, and mints nothing', async () => {
    const before = minted.length;
    for (const body of [{ role: 'root' }, {}, 'not json', { role: ['admin'] }]) {
      const answer = await post(body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(String(answer.body)).errors[0].path).toBe('role');
    }
    expect(minted.length).toBe(before);
  });

  it('hands no token to a caller from another machine', async () => {
    const before = minted.length;
    const answer = await post({ role: 'admin' }, '192.168.1.20');
    expect(answer.status).toBe(403);
    expect(minted.length).toBe(before);
  });
});
