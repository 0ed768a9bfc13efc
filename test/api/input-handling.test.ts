import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClusterState, largeClusterState } from '#shared/local/proxmox-simulator/model.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

/** Client mistakes get a clear 4xx, never a 5xx, and change nothing. */

let api: TestApi;
let admin: Caller;
let clusterId: string;
let policyId: string;

/** Enough guests with the longest vmids (9 digits) to fill every guest list of a policy. */
const BIG_GUESTS = 1000;

beforeAll(async () => {
  const simulatorState = demoClusterState();
  simulatorState.guests.push(
    ...largeClusterState(1, BIG_GUESTS).guests.map((guest, index) => ({
      ...guest,
      vmid: 100_000_000 + index,
      node: 'pve1',
    })),
  );
  api = await startTestApi({ simulatorState });
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  policyId = (await admin.post('/v1/policies', policyBody({ name: 'base' }))).body.id;
});
afterAll(() => api.stop());

async function sendBytes(
  path: string,
  method: string,
  body: Uint8Array | string,
  contentType = 'application/json',
) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await api.runtime.token('acme', 'admin')}`,
      'content-type': contentType,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

const auditCount = async () => (await admin.get('/v1/audit?limit=200')).body.items.length;

describe('bodies the API cannot use', () => {
  it('answers an empty JSON body with 400 "is required" where a body is needed, and takes it as none where it is optional', async () => {
    const before = await auditCount();
    for (const [method, path] of [
      ['POST', '/v1/policies'],
      ['PATCH', `/v1/policies/${policyId}`],
      ['POST', '/v1/clusters'],
      ['POST', '/v1/exclusions'],
      ['POST', '/v1/retention/simulate'],
    ] as const) {
      const response = await sendBytes(path, method, '');
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(response.body.errors).toEqual([
        { path: '', rule: 'required', message: 'is required: send a JSON document' },
      ]);
    }
    expect(await auditCount()).toBe(before);
    const snapshot = await sendBytes(`/v1/guests/${clusterId}.100/snapshots`, 'POST', '');
    expect(snapshot.status).toBe(202);
    expect(snapshot.body.snapshotName).toMatch(/^manual-/);
    await api.runtime.workflows.drain();
  });

  it('refuses a 10,000-deep JSON merge patch with 400 and leaves the policy as it was', async () => {
    const before = (await admin.get(`/v1/policies/${policyId}`)).body;
    const deepObject = `${'{"description":'.repeat(10_000)}"x"${'}'.repeat(10_000)}`;
    const deepArray = `{"selector":{"tags":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
    for (const body of [deepObject, deepArray]) {
      const response = await sendBytes(`/v1/policies/${policyId}`, 'PATCH', body);
      expect(response.status).toBe(400);
      expect(response.body.errors[0]).toMatchObject({ path: '', rule: 'json.depth' });
    }
    expect((await admin.get(`/v1/policies/${policyId}`)).body).toEqual(before);
  });

  it('refuses a body that is not valid UTF-8 instead of replacing its bytes', async () => {
    const name = Buffer.concat([
      Buffer.from('{"name":"bad'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('","schedule":{"cron":"0 2 * * *"},"selector":{"all":true}}'),
    ]);
    const response = await sendBytes('/v1/policies', 'POST', new Uint8Array(name));
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({ path: '', rule: 'json.encoding' });
    const names = (await admin.get('/v1/policies')).body.items.map((policy: { name: string }) => policy.name);
    expect(names.some((stored: string) => stored.startsWith('bad'))).toBe(false);
  });

  it('stores the largest policy the schema allows, and updates it (the update is audited with before and after)', async () => {
    // The limits as the published contract states them, so the test follows the schema.
    const schemas = (await api.raw().get('/openapi.json')).body.components.schemas;
    const spec = schemas.PolicySpec.properties;
    const selector = spec.selector.properties;
    const entries = selector.tags.maxItems as number;
    const longest = (schema: { maxLength: number }, index: number, alphabet = 'abcdefghij') =>
      `${alphabet[index % alphabet.length]}${index.toString().padStart(6, '0')}`.padEnd(
        schema.maxLength,
        'z',
      );
    // Guests the inventory knows, with the longest ids there are (9-digit vmids).
    const guestIds = (offset: number) =>
      Array.from(
        { length: entries },
        (_, index) => `${clusterId}.${100_000_000 + ((offset + index) % BIG_GUESTS)}`,
      );
    const body = {
      // Three bytes per character (the euro sign), the most the length limits allow.
      name: '\u20ac'.repeat(spec.name.maxLength),
      description: '\u20ac'.repeat(spec.description.maxLength),
      schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin', missedRuns: 'run-once' },
      snapshot: {
        includeMemory: true,
        quiesce: true,
        namePrefix: 'a'.repeat(spec.snapshot.properties.namePrefix.maxLength),
      },
      retention: {
        keepLast: 100_000,
        keepHourly: 100_000,
        keepDaily: 100_000,
        keepWeekly: 100_000,
        keepMonthly: 100_000,
        keepYearly: 100_000,
        keepWithinDays: 36_500,
        maxAgeDays: 36_500,
      },
      selector: {
        guests: guestIds(0),
        tags: Array.from({ length: entries }, (_, index) => longest(selector.tags.items, index)),
        pools: Array.from({ length: entries }, (_, index) => longest(selector.pools.items, index)),
        nodes: Array.from({ length: entries }, (_, index) => longest(selector.nodes.items, index)),
        all: true,
        exclude: {
          guests: guestIds(entries),
          tags: Array.from({ length: entries }, (_, index) =>
            longest(selector.tags.items, index, 'klmnopqrst'),
          ),
        },
      },
      notify: { onSuccess: true, onFailure: true },
      concurrency: { perNode: 10 },
    };
    const created = await admin.post('/v1/policies', body);
    expect(created.status).toBe(201);
    const changedName = `${'\u20ac'.repeat(spec.name.maxLength - 1)}x`;
    const updated = await admin.patch(`/v1/policies/${created.body.id}`, { name: changedName });
    expect(updated.status).toBe(200);
    expect(updated.body.selector.tags).toHaveLength(entries);
    const audit = await admin.get(`/v1/audit?resourceType=policy&resourceId=${created.body.id}`);
    expect(audit.body.items.map((event: { action: string }) => event.action)).toEqual([
      'policy.update',
      'policy.create',
    ]);
    expect(audit.body.items[0].before.selector.tags).toHaveLength(entries);
  });
});

describe('characters that cannot be stored', () => {
  const bad: Array<[string, string]> = [
    ['NUL', 'a\u0000b'],
    ['CR', 'a\rb'],
    ['LF', 'a\nb'],
    ['a bidi override', 'abc\u202Eexe.txt'],
    ['a zero-width space', 'ad\u200Bmin'],
    ['a lone surrogate', 'a\uD800b'],
  ];

  it.each(bad)(
    'refuses a token secret with %s with 400 naming the field, and stores nothing',
    async (_, text) => {
      const before = (await admin.get('/v1/clusters')).body.items.length;
      for (const overrides of [{ tokenSecret: text }, { tokenId: `sn${text}ap@pve!service` }]) {
        const response = await admin.post('/v1/clusters', api.clusterBody(overrides));
        expect(response.status).toBe(400);
        const paths = response.body.errors.map((error: { path: string }) => error.path);
        expect([...new Set(paths)]).toEqual(Object.keys(overrides));
      }
      expect((await admin.get('/v1/clusters')).body.items).toHaveLength(before);
    },
  );

  it('refuses a token secret beyond ASCII (a header cannot carry it) with 400, also when rotating', async () => {
    for (const tokenSecret of ['s\u00e9cret', '\u79d8\u5bc6', 'with space']) {
      const created = await admin.post('/v1/clusters', api.clusterBody({ tokenSecret }));
      expect(created.status).toBe(400);
      expect(created.body.errors[0]).toMatchObject({ path: 'tokenSecret' });
      const rotated = await admin.patch(`/v1/clusters/${clusterId}`, { tokenSecret });
      expect(rotated.status).toBe(400);
    }
  });

  it.each(bad)(
    'refuses %s in every name, description and reason with 400 naming the field',
    async (_, text) => {
      const subscription = await admin.post('/v1/subscriptions', {
        kind: 'webhook',
        target: 'http://127.0.0.1:9/x',
      });
      await admin.post(`/v1/guests/${clusterId}.101/snapshots`, { name: 'texts' });
      await api.runtime.workflows.drain();
      const cases: Array<[string, string, unknown, string]> = [
        ['POST', '/v1/clusters', api.clusterBody({ name: text }), 'name'],
        ['PATCH', `/v1/clusters/${clusterId}`, { name: text }, 'name'],
        ['POST', '/v1/policies', policyBody({ name: text }), 'name'],
        ['POST', '/v1/policies', policyBody({ description: text }), 'description'],
        ['PATCH', `/v1/policies/${policyId}`, { description: text }, 'description'],
        ['POST', '/v1/exclusions', { guestId: `${clusterId}.102`, reason: text }, 'reason'],
        ['POST', `/v1/guests/${clusterId}.101/snapshots`, { name: 'fine', description: text }, 'description'],
        ['PATCH', `/v1/guests/${clusterId}.101/snapshots/texts`, { description: text }, 'description'],
        [
          'POST',
          '/v1/subscriptions',
          { kind: 'webhook', target: 'http://127.0.0.1:9/y', description: text },
          'description',
        ],
        ['PATCH', `/v1/subscriptions/${subscription.body.id}`, { description: text }, 'description'],
      ];
      const before = await auditCount();
      for (const [method, path, body, field] of cases) {
        const response = await admin.request(method, path, { body });
        expect(response.status, `${method} ${path}`).toBe(400);
        expect(response.body.errors, `${method} ${path}`).toContainEqual(
          expect.objectContaining({ path: field, rule: 'text.characters' }),
        );
      }
      expect(await auditCount()).toBe(before);
    },
  );

  it('accepts text in any script, emoji included', async () => {
    const response = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'Sauvegarde nocturne \u2013 \u65e5\u672c \ud83d\udcbe',
        description: 'f\u00fcr die Datenbank',
      }),
    );
    expect(response.status).toBe(201);
  });
});

describe('error messages', () => {
  it('says a missing field "is required" and tells a mistyped one apart', async () => {
    const response = await admin.post('/v1/policies', {
      name: 'x',
      schedule: { timezone: 'UTC' },
      selector: 5,
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'schedule.cron', rule: 'required', message: 'is required' },
        { path: 'selector', rule: 'invalid_type', message: 'must be an object' },
      ]),
    );
  });

  it('says each rule in words, never as a regular expression, for bodies and queries', async () => {
    const responses = [
      await admin.post(
        '/v1/policies',
        policyBody({ selector: { tags: ['a b'], nodes: ['no_de'], pools: ['p!'] } }),
      ),
      await admin.get('/v1/runs?policy=not-an-id'),
      await admin.get('/v1/policies/not-an-id'),
      await admin.post('/v1/subscriptions', { kind: 'email', target: 'not-an-address' }),
      await admin.post('/v1/exclusions', { guestId: `${clusterId}.102`, reason: 'x', expiresAt: 'tomorrow' }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(400);
      for (const error of response.body.errors) {
        expect(error.message).not.toMatch(/[\\^$[\]]|\/.*\//);
        expect(error.message.length).toBeGreaterThan(5);
      }
    }
    expect(responses[0]?.body.errors).toContainEqual({
      path: 'selector.tags.0',
      rule: 'invalid_format',
      message: 'must be a Proxmox tag (letters, digits, _ - + .)',
    });
    expect(responses[3]?.body.errors[0].message).toBe('must be an email address');
    expect(responses[4]?.body.errors[0].message).toBe(
      'must be a date and time with an offset, e.g. 2025-01-31T02:00:00Z',
    );
  });
});
