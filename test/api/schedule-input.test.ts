import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let viewer: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('zones', 'admin');
  viewer = await api.as('zones', 'viewer');
});
afterAll(() => api.stop());

const withSchedule = (name: string, schedule: Record<string, unknown>) =>
  policyBody({ name, schedule: { cron: '0 2 * * *', ...schedule } });

describe('time zones entering through the API', () => {
  it('stores a zone given in lower case in its canonical IANA spelling', async () => {
    const created = await admin.post('/v1/policies', withSchedule('lower', { timezone: 'europe/berlin' }));
    expect(created.status).toBe(201);
    expect(created.body.schedule.timezone).toBe('Europe/Berlin');
    const fetched = await admin.get(`/v1/policies/${created.body.id}`);
    expect(fetched.body.schedule.timezone).toBe('Europe/Berlin');
    const next = await admin.get(`/v1/policies/${created.body.id}/next-runs?count=1`);
    expect(next.body.timezone).toBe('Europe/Berlin');
  });

  it('stores a patched zone in its canonical spelling, keeping the name of a link as given', async () => {
    const created = await admin.post('/v1/policies', withSchedule('patched', { timezone: 'UTC' }));
    const patched = await admin.patch(`/v1/policies/${created.body.id}`, {
      schedule: { timezone: 'ASIA/KOLKATA' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.schedule.timezone).toBe('Asia/Kolkata');
  });

  it.each([['Moon/Base'], ['IST'], ['+02:00']])(
    'refuses %s with a clear message and stores nothing',
    async (timezone) => {
      const caller = await api.as(`zones-refused-${timezone.replace(/\W/g, '').toLowerCase()}`, 'admin');
      const response = await caller.post('/v1/policies', withSchedule('nonsense', { timezone }));
      expect(response.status).toBe(400);
      expect(response.body.errors).toContainEqual({
        path: 'schedule.timezone',
        rule: 'timezone.iana',
        message: `'${timezone}' is not an IANA time zone name (e.g. Europe/Berlin, UTC)`,
      });
      expect((await caller.get('/v1/policies')).body.items).toEqual([]);
    },
  );

  it('simulates retention in a zone given in any case exactly as in its canonical spelling', async () => {
    const body = (timezone: string) => ({
      retention: { keepDaily: 2 },
      timezone,
      snapshots: [
        { id: 'late', time: '2026-10-24T23:30:00Z' },
        { id: 'early', time: '2026-10-24T21:30:00Z' },
        { id: 'before', time: '2026-10-23T12:00:00Z' },
      ],
    });
    const canonical = await viewer.post('/v1/retention/simulate', body('Europe/Berlin'));
    const lower = await viewer.post('/v1/retention/simulate', body('europe/berlin'));
    expect(lower.status).toBe(200);
    expect(lower.body).toEqual(canonical.body);
    // In Berlin 23:30 UTC is already the next day, so both of the 24th's snapshots are kept.
    expect(lower.body.snapshots.map((s: { keep: boolean }) => s.keep)).toEqual([true, true, false]);
  });
});

describe('schedules that are refused', () => {
  it.each([
    ['0 0 31 2 *', 'cron.never-fires', 'never fires: February has no day 31'],
    ['0 0 31 2,4 *', 'cron.never-fires', 'never fires: February and April have no day 31'],
    ['0-59/61 2 * * *', 'cron.syntax', 'larger than its range'],
  ])('refuses %s with a 400 saying why', async (cron, rule, message) => {
    const caller = await api.as(`zones-cron-${cron.replace(/\W/g, '')}`, 'admin');
    const response = await caller.post('/v1/policies', policyBody({ schedule: { cron } }));
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual(
      expect.objectContaining({ path: 'schedule.cron', rule, message: expect.stringContaining(message) }),
    );
    expect((await caller.get('/v1/policies')).body.items).toEqual([]);
  });
});

describe('a start window entering through the API', () => {
  it('stores a start window in minutes and removes it with null', async () => {
    const created = await admin.post('/v1/policies', withSchedule('windowed', { startWindowMinutes: 30 }));
    expect(created.status).toBe(201);
    expect(created.body.schedule.startWindowMinutes).toBe(30);
    const patched = await admin.patch(`/v1/policies/${created.body.id}`, {
      schedule: { startWindowMinutes: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.schedule).not.toHaveProperty('startWindowMinutes');
  });

  it.each([[0], [241], [1.5], ['30']])(
    'refuses a start window of %j and stores nothing',
    async (startWindowMinutes) => {
      const refused = await admin.post(
        '/v1/policies',
        withSchedule(`bad-window-${String(startWindowMinutes)}`, { startWindowMinutes }),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { path: string }) => e.path)).toContain(
        'schedule.startWindowMinutes',
      );
      expect(
        (await viewer.get('/v1/policies?limit=200')).body.items.map((p: { name: string }) => p.name),
      ).not.toContain(`bad-window-${String(startWindowMinutes)}`);
    },
  );
});
