import { afterEach, describe, expect, it, vi } from 'vitest';
import { inProcessAnswers } from '#shared/ports/agent-connections.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('answers signalled within one process', () => {
  it('ends the next wait at once when the answer came while nobody waited (the waiter was reading)', async () => {
    vi.useFakeTimers();
    const answers = inProcessAnswers();
    answers.notify('cmd-1');
    let woke = false;
    const waiting = answers.wait('cmd-1', 60_000).then(() => {
      woke = true;
    });
    await Promise.resolve();
    expect(woke).toBe(true);
    await waiting;
    // The note is taken once: the next wait of the same command waits for its timer again.
    let again = false;
    void answers.wait('cmd-1', 1_000).then(() => {
      again = true;
    });
    await Promise.resolve();
    expect(again).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(again).toBe(true);
  });

  it('wakes a waiting command when its answer comes, and only that one', async () => {
    vi.useFakeTimers();
    const answers = inProcessAnswers();
    const woke: string[] = [];
    void answers.wait('a', 60_000).then(() => woke.push('a'));
    void answers.wait('b', 60_000).then(() => woke.push('b'));
    answers.notify('a');
    await Promise.resolve();
    expect(woke).toEqual(['a']);
  });

  it('hands the waiter the answer the notification carried, whether it waited already or came later', async () => {
    const answers = inProcessAnswers();
    const answer = { id: 'a', tenantId: 't', clusterId: 'c', state: 'answered', result: '1' } as const;
    const waiting = answers.wait('a', 60_000);
    answers.notify('a', answer);
    expect(await waiting).toEqual(answer);
    answers.notify('b', { ...answer, id: 'b' });
    expect(await answers.wait('b', 60_000)).toEqual({ ...answer, id: 'b' });
    // A notification without the answer (a paged one) only wakes: the waiter reads the table.
    answers.notify('c');
    expect(await answers.wait('c', 60_000)).toBeUndefined();
  });
});
