import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
});
afterAll(() => api.stop());

describe('creating a policy', () => {
  it('stores the policy with defaults, its Scheduler expression, an ETag and a Location', async () => {
    const response = await admin.post('/v1/policies', policyBody({ name: 'Nightly' }));
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.get('location')).toBe(`/v1/policies/${response.body.id}`);
    expect(response.body).toMatchObject({
      name: 'Nightly',
      description: '',
      enabled: true,
      schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin', missedRuns: 'skip' },
      schedulerExpression: 'cron(0 2 * * ? *)',
      snapshot: { includeMemory: false, quiesce: false, namePrefix: 'auto' },
      retention: { keepDaily: 7, keepWeekly: 4 },
      selector: {
        guests: [],
        tags: ['prod'],
        pools: [],
        nodes: [],
        all: false,
        exclude: { guests: [], tags: [] },
      },
      notify: { onSuccess: false, onFailure: true },
      concurrency: { perNode: 2 },
      version: 1,
    });
    expect(response.body).not.toHaveProperty('tenantId');
    const fetched = await admin.get(`/v1/policies/${response.body.id}`);
    expect(fetched.body).toEqual(response.body);
  });

  it('refuses a second policy with the same name in any letter case', async () => {
    await admin.post('/v1/policies', policyBody({ name: 'Weekly' }));
    const duplicate = await admin.post('/v1/policies', policyBody({ name: 'WEEKLY' }));
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
    expect(duplicate.body.type).toBe('urn:pve-snapshots:problem:conflict');
  });
});

describe('validation', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['a missing name', { name: undefined }, 'name', 'required'],
    ['an empty name', { name: '  ' }, 'name', 'too_small'],
    ['an unknown top-level field', { colour: 'red' }, 'colour', 'unknown-field'],
    [
      'an unknown nested field',
      { schedule: { cron: '0 2 * * *', every: 2 } },
      'schedule.every',
      'unknown-field',
    ],
    ['a cron with 4 fields', { schedule: { cron: '0 2 * *' } }, 'schedule.cron', 'cron.field-count'],
    ['a cron out of range', { schedule: { cron: '0 25 * * *' } }, 'schedule.cron', 'cron.syntax'],
    [
      'both day fields restricted',
      { schedule: { cron: '0 2 1 * mon' } },
      'schedule.cron',
      'cron.both-day-fields',
    ],
    [
      'a non-IANA time zone',
      { schedule: { cron: '0 2 * * *', timezone: '+02:00' } },
      'schedule.timezone',
      'timezone.iana',
    ],
    [
      'an unknown missed-run rule',
      { schedule: { cron: '0 2 * * *', missedRuns: 'all' } },
      'schedule.missedRuns',
      'invalid_value',
    ],
    ['a negative keep count', { retention: { keepLast: -1 } }, 'retention.keepLast', 'too_small'],
    ['a fractional keep count', { retention: { keepDaily: 1.5 } }, 'retention.keepDaily', 'invalid_type'],
    [
      'an unknown retention option',
      { retention: { keepForever: 1 } },
      'retention.keepForever',
      'unknown-field',
    ],
    ['a zero max age', { retention: { maxAgeDays: 0 } }, 'retention.maxAgeDays', 'too_small'],
    [
      'a prefix starting with a digit',
      { snapshot: { namePrefix: '1auto' } },
      'snapshot.namePrefix',
      'invalid_format',
    ],
    ['a prefix with a dot', { snapshot: { namePrefix: 'auto.x' } }, 'snapshot.namePrefix', 'invalid_format'],
    [
      'a prefix too long for the time suffix',
      { snapshot: { namePrefix: 'a'.repeat(27) } },
      'snapshot.namePrefix',
      'too_big',
    ],
    [
      'includeMemory as a string',
      { snapshot: { includeMemory: 'yes' } },
      'snapshot.includeMemory',
      'invalid_type',
    ],
    ['an empty selector', { selector: {} }, 'selector', 'selector.empty'],
    ['a malformed guest id', { selector: { guests: ['vm-100'] } }, 'selector.guests.0', 'guest-id'],
    ['a tag with a space', { selector: { tags: ['my tag'] } }, 'selector.tags.0', 'invalid_format'],
    [
      'a node name with an underscore',
      { selector: { nodes: ['pve_1'] } },
      'selector.nodes.0',
      'invalid_format',
    ],
    ['notify flags as numbers', { notify: { onSuccess: 1 } }, 'notify.onSuccess', 'invalid_type'],
    ['a per-node cap of 0', { concurrency: { perNode: 0 } }, 'concurrency.perNode', 'too_small'],
    ['a per-node cap of 11', { concurrency: { perNode: 11 } }, 'concurrency.perNode', 'too_big'],
  ];

  it.each(cases)(
    'rejects %s, naming the field and rule, and writes nothing',
    async (_label, override, path, rule) => {
      const caller = await api.as(
        `val-${path.replaceAll('.', '-').toLowerCase()}-${rule.replaceAll('.', '-').replaceAll('_', '-')}`.slice(
          0,
          60,
        ),
        'admin',
      );
      const body = policyBody();
      for (const [key, value] of Object.entries(override)) {
        if (value === undefined) delete body[key];
        else body[key] = key === 'schedule' ? { ...(body.schedule as object), ...(value as object) } : value;
      }
      const response = await caller.post('/v1/policies', body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.type).toBe('urn:pve-snapshots:problem:validation-failed');
      expect(response.body.errors).toContainEqual(expect.objectContaining({ path, rule }));
      expect((await caller.get('/v1/policies')).body.items).toEqual([]);
      expect((await caller.get('/v1/audit')).body.items).toEqual([]);
    },
  );

  it('reports every violated rule of a request at once', async () => {
    const response = await admin.post(
      '/v1/policies',
      policyBody({ schedule: { cron: '0 2 1 * 1', timezone: 'Mars/Base' }, selector: {} }),
    );
    expect(response.body.errors.map((issue: { rule: string }) => issue.rule)).toEqual([
      'cron.both-day-fields',
      'timezone.iana',
      'selector.empty',
    ]);
  });
});

describe('updating a policy', () => {
  it('merges a JSON Merge Patch, removes fields set to null and bumps the ETag', async () => {
    const created = await admin.post('/v1/policies', policyBody());
    const response = await admin.patch(
      `/v1/policies/${created.body.id}`,
      { schedule: { cron: '30 3 * * 1-5' }, retention: { keepWeekly: null, keepLast: 3 } },
      { 'if-match': created.headers.get('etag') ?? '' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"2"');
    expect(response.body.schedule).toEqual({
      cron: '30 3 * * 1-5',
      timezone: 'Europe/Berlin',
      missedRuns: 'skip',
    });
    expect(response.body.schedulerExpression).toBe('cron(30 3 ? * 2-6 *)');
    expect(response.body.retention).toEqual({ keepDaily: 7, keepLast: 3 });
    expect(response.body.createdAt).toBe(created.body.createdAt);
  });

  it('refuses a stale If-Match with 412 and leaves the policy unchanged', async () => {
    const created = await admin.post('/v1/policies', policyBody());
    await admin.patch(`/v1/policies/${created.body.id}`, { description: 'first' }, { 'if-match': '"1"' });
    const stale = await admin.patch(
      `/v1/policies/${created.body.id}`,
      { description: 'second' },
      { 'if-match': '"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe('urn:pve-snapshots:problem:precondition-failed');
    const current = await admin.get(`/v1/policies/${created.body.id}`);
    expect(current.body.description).toBe('first');
    expect(current.headers.get('etag')).toBe('"2"');
  });

  it('validates the merged result and changes nothing when it is invalid', async () => {
    const created = await admin.post('/v1/policies', policyBody());
    const bad = await admin.patch(`/v1/policies/${created.body.id}`, {
      schedule: { cron: 'every day' },
      id: 'x',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ path: 'id', rule: 'unknown-field' }));
    expect((await admin.get(`/v1/policies/${created.body.id}`)).body).toEqual(created.body);
  });

  it('renames a policy and frees the old name', async () => {
    const created = await admin.post('/v1/policies', policyBody({ name: 'old-name' }));
    const renamed = await admin.patch(`/v1/policies/${created.body.id}`, { name: 'new-name' });
    expect(renamed.body.name).toBe('new-name');
    expect((await admin.post('/v1/policies', policyBody({ name: 'old-name' }))).status).toBe(201);
    expect((await admin.post('/v1/policies', policyBody({ name: 'New-Name' }))).status).toBe(409);
  });
});

describe('deleting a policy', () => {
  it('removes it, frees the name and answers 404 afterwards', async () => {
    const created = await admin.post('/v1/policies', policyBody({ name: 'to-delete' }));
    expect((await admin.delete(`/v1/policies/${created.body.id}`, { 'if-match': '"2"' })).status).toBe(412);
    expect((await admin.delete(`/v1/policies/${created.body.id}`)).status).toBe(204);
    expect((await admin.get(`/v1/policies/${created.body.id}`)).status).toBe(404);
    expect((await admin.delete(`/v1/policies/${created.body.id}`)).status).toBe(404);
    expect((await admin.post('/v1/policies', policyBody({ name: 'to-delete' }))).status).toBe(201);
  });
});

describe('listing policies', () => {
  it('pages through every policy exactly once with an opaque cursor', async () => {
    const caller = await api.as('many-policies', 'admin');
    const names = Array.from({ length: 7 }, (_, index) => `p-${index}`);
    for (const name of names) await caller.post('/v1/policies', policyBody({ name }));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await caller.get(
        `/v1/policies?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((policy: { name: string }) => policy.name));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(names);
  });

  it('rejects a tampered cursor and an out-of-range limit', async () => {
    const tampered = await admin.get('/v1/policies?cursor=eyJwayI6IlRFTkFOVCNvdGhlciJ9.forged');
    expect(tampered.status).toBe(400);
    expect(tampered.body.errors).toContainEqual(
      expect.objectContaining({ path: 'cursor', rule: 'cursor.invalid' }),
    );
    const tooBig = await admin.get('/v1/policies?limit=201');
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.errors).toContainEqual(
      expect.objectContaining({ path: 'query.limit', rule: 'too_big' }),
    );
  });
});

describe('next runs', () => {
  it('lists upcoming times in the policy zone and in UTC across a daylight-saving change', async () => {
    api.setNow(Date.parse('2026-03-27T12:00:00Z'));
    try {
      const created = await admin.post(
        '/v1/policies',
        policyBody({ schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' } }),
      );
      const response = await admin.get(`/v1/policies/${created.body.id}/next-runs?count=3`);
      expect(response.body).toEqual({
        timezone: 'Europe/Berlin',
        enabled: true,
        runs: [
          { at: '2026-03-28T01:30:00.000Z', local: '2026-03-28T02:30:00+01:00' },
          { at: '2026-03-30T00:30:00.000Z', local: '2026-03-30T02:30:00+02:00' },
          { at: '2026-03-31T00:30:00.000Z', local: '2026-03-31T02:30:00+02:00' },
        ],
      });
    } finally {
      api.setNow(Date.now());
    }
  });

  it('returns no runs for a disabled policy and rejects a count over 100', async () => {
    const created = await admin.post('/v1/policies', policyBody({ enabled: false }));
    expect((await admin.get(`/v1/policies/${created.body.id}/next-runs`)).body.runs).toEqual([]);
    expect((await admin.get(`/v1/policies/${created.body.id}/next-runs?count=101`)).status).toBe(400);
  });
});

describe('roles', () => {
  it('lets viewers and operators read policies but not change them, and audits the denial', async () => {
    const created = await admin.post('/v1/policies', policyBody());
    for (const role of ['viewer', 'operator'] as const) {
      const caller = await api.as('acme', role);
      expect((await caller.get(`/v1/policies/${created.body.id}`)).status).toBe(200);
      const denied = await caller.post('/v1/policies', policyBody());
      expect(denied.status).toBe(403);
      expect(denied.body.type).toBe('urn:pve-snapshots:problem:forbidden');
      expect((await caller.patch(`/v1/policies/${created.body.id}`, { description: 'x' })).status).toBe(403);
      expect((await caller.delete(`/v1/policies/${created.body.id}`)).status).toBe(403);
    }
    const audit = await admin.get('/v1/audit?outcome=denied&limit=200');
    const denials = audit.body.items.filter(
      (event: { resourceType: string }) => event.resourceType === 'policy',
    );
    expect(denials).toHaveLength(6);
    expect(denials.map((event: { role: string }) => event.role).sort()).toEqual([
      'operator',
      'operator',
      'operator',
      'viewer',
      'viewer',
      'viewer',
    ]);
  });
});
