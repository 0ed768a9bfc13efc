import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProxmoxUnreachableError } from '#shared/domain/proxmox-errors.ts';
import { withinProxmoxDeadline } from '#shared/services/call-deadline.ts';

describe('the Proxmox call deadline', () => {
  afterEach(() => vi.useRealTimers());

  it('answers ProxmoxUnreachableError once the deadline passes while Proxmox is silent', async () => {
    vi.useFakeTimers();
    const silent = new Promise<string>(() => undefined);
    const answer = withinProxmoxDeadline(silent, 25_000);
    const settled = expect(answer).rejects.toBeInstanceOf(ProxmoxUnreachableError);
    await vi.advanceTimersByTimeAsync(25_000);
    await settled;
    await expect(answer).rejects.toThrow('Proxmox did not answer within 25 s');
  });

  it('passes an answer and a failure through unchanged', async () => {
    await expect(withinProxmoxDeadline(Promise.resolve('ok'), 25_000)).resolves.toBe('ok');
    const failure = new Error('locked');
    await expect(withinProxmoxDeadline(Promise.reject(failure), 25_000)).rejects.toBe(failure);
  });
});
