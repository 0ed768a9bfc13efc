import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let viewer: Caller;
beforeAll(async () => {
  api = await startTestApi();
  api.setNow(Date.parse('2024-02-01T00:00:00Z'));
  viewer = await api.as('acme', 'viewer');
});
afterAll(() => api.stop());

describe('POST /v1/retention/simulate for a backup policy\u2019s archives', () => {
  it('decides per guest and storage as backup retention does: never an external or protected archive, never a guest\u2019s last good one', async () => {
    const archive = (id: string, time: string, guestId: string, storage: string, extra = {}) => ({
      id,
      time,
      guestId,
      storage,
      ...extra,
    });
    const response = await viewer.post('/v1/retention/simulate', {
      retention: { keepDaily: 2, maxAgeDays: 10 },
      timezone: 'UTC',
      snapshots: [
        archive('a1', '2024-01-05T03:00:00Z', 'lab/100', 'nfs'),
        archive('a2', '2024-01-06T03:00:00Z', 'lab/100', 'nfs'),
        archive('a3', '2024-01-30T05:00:00Z', 'lab/100', 'pbs'),
        archive('b0', '2024-01-01T03:00:00Z', 'lab/101', 'nfs', { protected: true }),
        archive('b1', '2024-01-29T03:00:00Z', 'lab/101', 'nfs'),
        archive('b2', '2024-01-30T03:00:00Z', 'lab/101', 'nfs'),
        archive('b3', '2024-01-31T03:00:00Z', 'lab/101', 'nfs'),
        archive('x1', '2023-12-01T03:00:00Z', 'lab/101', 'nfs', { external: true }),
      ],
    });
    expect(response.status).toBe(200);
    const decided = response.body.snapshots.map(
      (d: { id: string; keep: boolean; reason: string; guestId: string; storage: string }) => [
        d.id,
        d.keep,
        d.reason,
        `${d.guestId}@${d.storage}`,
      ],
    );
    expect(decided).toEqual([
      ['b3', true, 'keep-daily', 'lab/101@nfs'],
      ['a3', true, 'keep-daily', 'lab/100@pbs'],
      ['b2', true, 'keep-daily', 'lab/101@nfs'],
      ['b1', false, 'pruned', 'lab/101@nfs'],
      // Past the maximum age, but guest 100's newest archive on nfs: its last good copy there.
      ['a2', true, 'last-good', 'lab/100@nfs'],
      ['a1', false, 'max-age', 'lab/100@nfs'],
      ['b0', true, 'protected', 'lab/101@nfs'],
      ['x1', true, 'external', 'lab/101@nfs'],
    ]);
  });

  it('decides snapshots without a storage together, as PBS\u2019s prune simulator does (no last-good rule)', async () => {
    const response = await viewer.post('/v1/retention/simulate', {
      retention: { keepLast: 1, maxAgeDays: 10 },
      snapshots: [
        { id: 'old', time: '2024-01-01T00:00:00Z' },
        { id: 'hand', time: '2024-01-02T00:00:00Z', external: true },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.snapshots).toEqual([
      { id: 'hand', time: '2024-01-02T00:00:00.000Z', keep: true, reason: 'external' },
      { id: 'old', time: '2024-01-01T00:00:00.000Z', keep: false, reason: 'max-age' },
    ]);
  });
});
