import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnswerLatency, MAX_POLL_MS, MIN_POLL_MS, pollDelayMs } from '#shared/domain/agent/answer-polls.ts';

describe('when a polled command looks for its answer', () => {
  it('looks first after the minimum until a cluster has answered, then at its median latency', () => {
    const latency = new AnswerLatency();
    expect(latency.firstPollMs('near')).toBe(MIN_POLL_MS);
    for (const ms of [14, 16, 15, 90, 15]) latency.record('near', ms);
    for (const ms of [80, 85, 82]) latency.record('far', ms);
    // One slow answer does not move the median; each cluster keeps its own.
    expect(latency.firstPollMs('near')).toBe(15);
    expect(latency.firstPollMs('far')).toBe(82);
  });

  it('follows a change of latency within its window of recent answers', () => {
    const latency = new AnswerLatency();
    for (let index = 0; index < 16; index++) latency.record('lab', 20);
    for (let index = 0; index < 9; index++) latency.record('lab', 60);
    expect(latency.firstPollMs('lab')).toBe(60);
  });

  it('keeps the first look between the minimum and the longest pause, clocks skewed or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1_000, max: 100_000 }), { minLength: 1, maxLength: 40 }),
        (samples) => {
          const latency = new AnswerLatency();
          for (const ms of samples) latency.record('lab', ms);
          const first = latency.firstPollMs('lab');
          expect(first).toBeGreaterThanOrEqual(MIN_POLL_MS);
          expect(first).toBeLessThanOrEqual(MAX_POLL_MS);
        },
      ),
    );
  });

  it('looks again soon after a missed first look, backing off to the longest pause and never beyond', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_POLL_MS, max: MAX_POLL_MS }),
        fc.integer({ min: 1, max: 200 }),
        (first, n) => {
          expect(pollDelayMs(0, first)).toBe(first);
          const later = Array.from({ length: n }, (_, index) => pollDelayMs(index + 1, first));
          expect(later[0]).toBe(MIN_POLL_MS);
          for (let index = 1; index < later.length; index++) {
            expect(later[index]).toBeGreaterThanOrEqual(later[index - 1] as number);
          }
          expect(Math.max(...later)).toBeLessThanOrEqual(MAX_POLL_MS);
          // However long the agent takes, looks keep coming: n looks cover at least n × the minimum.
          expect(later.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(n * MIN_POLL_MS);
        },
      ),
    );
  });

  it('forgets the least recently answered clusters beyond its capacity', () => {
    const latency = new AnswerLatency();
    latency.record('first', 150);
    for (let index = 0; index < 500; index++) latency.record(`cluster-${index}`, 50);
    expect(latency.firstPollMs('first')).toBe(MIN_POLL_MS);
    expect(latency.firstPollMs('cluster-499')).toBe(50);
  });
});
