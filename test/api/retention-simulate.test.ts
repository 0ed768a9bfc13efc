import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let viewer: Caller;
beforeAll(async () => {
  api = await startTestApi();
  viewer = await api.as('acme', 'viewer');
});
afterAll(() => api.stop());

describe('POST /v1/retention/simulate', () => {
  it('answers each snapshot newest first with keep and the deciding rule', async () => {
    const response = await viewer.post('/v1/retention/simulate', {
      retention: { keepLast: 1, keepDaily: 2 },
      timezone: 'Europe/Berlin',
      snapshots: [
        { id: 'a', time: '2024-01-01T10:00:00Z' },
        { id: 'b', time: '2024-01-01T14:00:00Z' },
        { id: 'c', time: '2024-01-02T09:00:00Z' },
        { id: 'd', time: '2024-01-03T09:00:00Z', protected: false },
        { id: 'p', time: '2023-06-01T00:00:00Z', protected: true },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.snapshots).toEqual([
      { id: 'd', time: '2024-01-03T09:00:00.000Z', keep: true, reason: 'keep-last' },
      { id: 'c', time: '2024-01-02T09:00:00.000Z', keep: true, reason: 'keep-daily' },
      { id: 'b', time: '2024-01-01T14:00:00.000Z', keep: true, reason: 'keep-daily' },
      { id: 'a', time: '2024-01-01T10:00:00.000Z', keep: false, reason: 'pruned' },
      { id: 'p', time: '2023-06-01T00:00:00.000Z', keep: true, reason: 'protected' },
    ]);
  });

  it('decides archives per storage, as a backup policy\u2019s retention does', async () => {
    const response = await viewer.post('/v1/retention/simulate', {
      retention: { keepLast: 1 },
      snapshots: [
        { id: 'nfs-1', time: '2024-01-01T03:00:00Z', storage: 'nfs' },
        { id: 'nfs-2', time: '2024-01-02T03:00:00Z', storage: 'nfs' },
        { id: 'pbs-1', time: '2024-01-01T04:00:00Z', storage: 'pbs' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.snapshots.map((d: { id: string; keep: boolean }) => [d.id, d.keep])).toEqual([
      ['nfs-2', true],
      ['pbs-1', true],
      ['nfs-1', false],
    ]);
    expect(response.body.snapshots[1]).toMatchObject({ storage: 'pbs', reason: 'keep-last' });
  });

  it.each([
    [
      'an unknown option',
      { retention: { keepForever: 1 }, snapshots: [] },
      'retention.keepForever',
      'unknown-field',
    ],
    ['a negative count', { retention: { keepLast: -1 }, snapshots: [] }, 'retention.keepLast', 'too_small'],
    [
      'a bad time',
      { retention: {}, snapshots: [{ id: 'a', time: 'yesterday' }] },
      'snapshots.0.time',
      'invalid_format',
    ],
    ['a bad zone', { retention: {}, timezone: 'Moon/Base', snapshots: [] }, 'timezone', 'timezone.iana'],
    [
      'more than 10,000 snapshots',
      {
        retention: {},
        snapshots: Array.from({ length: 10_001 }, (_, i) => ({ id: `s${i}`, time: '2024-01-01T00:00:00Z' })),
      },
      'snapshots',
      'too_big',
    ],
  ])('rejects %s with a clear 400', async (_label, body, path, rule) => {
    const response = await viewer.post('/v1/retention/simulate', body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path, rule }));
  });
});
