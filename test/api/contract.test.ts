import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_SCOPE } from '#shared/api/plans/operator-scope.ts';
import { formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

/**
 * The published contract against the running service: the document validates, its patterns
 * are ECMA-262 and accept what the API accepts, and every status a route answers (to a corpus
 * of good and bad requests) is one its operation declares.
 */

let api: TestApi;
let admin: Caller;
let doc: any;
let adminToken: string;
let viewerToken: string;
const fixtures: Record<string, string> = {};

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  adminToken = await api.runtime.token('acme', 'admin');
  viewerToken = await api.runtime.token('acme', 'viewer');
  doc = (await api.raw().get('/openapi.json')).body;

  const cluster = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
  expect(cluster.status).toBe(201);
  fixtures.clusterId = cluster.body.id;
  fixtures.guestId = `${cluster.body.id}.100`;
  const policy = await admin.post('/v1/policies', policyBody({ name: 'corpus' }));
  fixtures.policyId = policy.body.id;
  const exclusion = await admin.post('/v1/exclusions', {
    guestId: `${cluster.body.id}.101`,
    reason: 'corpus',
  });
  fixtures.exclusionId = exclusion.body.id;
  const run = await admin.post(`/v1/policies/${policy.body.id}/runs`);
  fixtures.runId = run.body.id;
  const operation = await admin.post(`/v1/guests/${fixtures.guestId}/snapshots`, { name: 'corpus' });
  fixtures.operationId = operation.body.id;
  fixtures.snapshotId = 'corpus';
  const subscription = await admin.post('/v1/subscriptions', {
    kind: 'webhook',
    target: 'http://127.0.0.1:9/hook',
  });
  fixtures.subscriptionId = subscription.body.id;
  await api.runtime.workflows.drain();
  expect(Object.values(fixtures).every((value) => typeof value === 'string' && value.length > 0)).toBe(true);
});
afterAll(() => api.stop());

interface OperationEntry {
  readonly path: string;
  readonly method: string;
  readonly operation: any;
}

const operations = (): OperationEntry[] =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );

/** Every `pattern` in the document with where it sits. */
function patterns(node: unknown, pointer = '#', found: Array<{ pointer: string; pattern: string }> = []) {
  if (Array.isArray(node)) {
    for (const [index, child] of node.entries()) patterns(child, `${pointer}/${index}`, found);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'pattern' && typeof value === 'string') found.push({ pointer, pattern: value });
      else patterns(value, `${pointer}/${key}`, found);
    }
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('passes the OpenAPI 3.1 validator', async () => {
    const result = await validate(structuredClone(doc));
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.warnings).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('has only patterns that compile as ECMA-262 (unicode) and accept values the API accepts', async () => {
    // Values the API accepts for each pattern (the policy below proves the tag ones); a new
    // pattern must bring its examples here.
    const accepted: Record<string, string[]> = {
      '^[a-z]{2,4}_[0-9A-Z]{26}$': [fixtures.policyId as string, fixtures.clusterId as string],
      '^[A-Za-z0-9_][A-Za-z0-9_+.-]*$': ['prod', 'Prod', 'web+db.v2', '_backup', '9lives'],
      '^[A-Za-z0-9_-]+$': ['prod-pool', 'Pool_1'],
      '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$': ['pve1', 'node-a', 'x'],
      '^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$': ['web-restored', 'db1.example'],
      '^[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]$': ['backup-nfs', 'local', 'PBS_store.2'],
      '^[a-zA-Z][a-zA-Z0-9_-]*$': ['auto', 'nightly_db-1'],
      '^[\\x21-\\x7e]+$': ['6f1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b', 'retry-2025-01-31#1'],
      '^[^\\s:/@!]+@[A-Za-z][A-Za-z0-9.\\-_]+![A-Za-z][A-Za-z0-9.\\-_]+$': [
        'snapshots@pve!service',
        'root@pam!backup_1',
      ],
      '-----BEGIN CERTIFICATE-----[\\s\\S]+-----END CERTIFICATE-----': [
        '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n',
      ],
      '^\\d{6}$': ['042917'],
      '^[a-z0-9][a-z0-9-]{1,62}$': ['demo', 'acme-2'],
      '^bk_[A-Za-z0-9_-]+$': [formatBackupId('cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.100', 'local:backup/x.vma')],
    };
    const found = patterns(doc);
    expect(found.length).toBeGreaterThan(10);
    for (const { pointer, pattern } of found) {
      const regex = new RegExp(pattern, 'u');
      const examples = accepted[pattern];
      expect(examples, `examples for ${pattern} (at ${pointer})`).toBeDefined();
      for (const example of examples ?? [])
        expect(regex.test(example), `${pattern} on ${example}`).toBe(true);
    }
    const tags = accepted['^[A-Za-z0-9_][A-Za-z0-9_+.-]*$'];
    const created = await admin.post('/v1/policies', policyBody({ selector: { tags } }));
    expect(created.status).toBe(201);
    expect(created.body.selector.tags).toEqual(tags);
  });

  it('names the role every changing route needs, as the API enforces it', () => {
    const changing = operations().filter(
      ({ method, operation }) =>
        method !== 'get' && !(Array.isArray(operation.security) && operation.security.length === 0),
    );
    expect(changing.length).toBeGreaterThan(15);
    for (const { path, method, operation } of changing) {
      // The service operator's routes need the operator's credential, no tenant role.
      if (path.startsWith('/operator/')) expect(operation['x-required-scope']).toBe(OPERATOR_SCOPE);
      else
        expect(['viewer', 'operator', 'admin'], `${method} ${path}`).toContain(operation['x-required-role']);
      expect(operation['x-audit-action'], `${method} ${path}`).toMatch(/^[a-z]+(-[a-z]+)*\.[a-z-]+$/);
    }
  });

  it('declares every status a route answers to a corpus of good and bad requests', async () => {
    const seen: Array<{ route: string; status: number; declared: boolean; body: string }> = [];
    const problemTexts: string[] = [];
    const unknownId = (prefix: string) => `${prefix}_01JD7W3M4Q8ZC5N2R6T9V0X1Y2`;
    const unknown: Record<string, string> = {
      clusterId: unknownId('cl'),
      policyId: unknownId('pol'),
      exclusionId: unknownId('exc'),
      runId: unknownId('run'),
      operationId: unknownId('op'),
      subscriptionId: unknownId('sub'),
      guestId: `${unknownId('cl')}.100`,
      snapshotId: 'no-such-snapshot',
    };
    const fill = (path: string, values: Record<string, string>) =>
      path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));

    const send = async (
      entry: OperationEntry,
      options: {
        token?: string;
        ids?: Record<string, string>;
        body?: string | Uint8Array;
        headers?: Record<string, string>;
        query?: string;
      },
    ) => {
      const url = `${api.url}${fill(entry.path, options.ids ?? fixtures)}${options.query ?? ''}`;
      const headers: Record<string, string> = {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      };
      const response = await fetch(url, {
        method: entry.method.toUpperCase(),
        headers,
        ...(options.body !== undefined ? { body: options.body } : {}),
      });
      const text = await response.text();
      if (response.headers.get('content-type')?.includes('problem+json')) problemTexts.push(text);
      const declared = Object.hasOwn(entry.operation.responses, String(response.status));
      seen.push({
        route: `${entry.method.toUpperCase()} ${entry.path}`,
        status: response.status,
        declared,
        body: text.slice(0, 300),
      });
    };

    // Requests a client may well send, per route (beyond the generic bad ones below).
    const good: Record<string, unknown[]> = {
      'post /v1/clusters': [
        api.clusterBody(),
        api.clusterBody({ name: 'lab' }),
        api.clusterBody({ tokenSecret: 'wrong-secret' }),
        api.clusterBody({ url: 'https://127.0.0.1:1' }),
      ],
      'patch /v1/clusters/{clusterId}': [{ name: 'lab-renamed' }, { tokenSecret: 'wrong-secret' }],
      'post /v1/policies': [policyBody(), policyBody({ name: 'corpus' })],
      'patch /v1/policies/{policyId}': [{ description: 'changed' }, { schedule: { cron: '61 * * * *' } }],
      'post /v1/exclusions': [{ guestId: `${fixtures.clusterId}.102`, reason: 'maintenance' }],
      'post /v1/subscriptions': [
        { kind: 'webhook', target: 'http://127.0.0.1:9/other' },
        { kind: 'email', target: 'ops@example.com' },
      ],
      'patch /v1/subscriptions/{subscriptionId}': [{ description: 'changed' }],
      'post /v1/subscriptions/{subscriptionId}/confirm': [{ code: '123456' }],
      'post /v1/guests/{guestId}/snapshots': [{ name: 'corpus-two' }, { name: 'corpus' }],
      'patch /v1/guests/{guestId}/snapshots/{snapshotId}': [{ description: 'changed', protected: true }],
      'post /v1/guests/{guestId}/snapshots/{snapshotId}/restore': [{ mode: 'new_guest' }],
      'post /v1/retention/simulate': [{ retention: { keepLast: 1 }, snapshots: [] }],
    };

    const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
    const ordered = operations().sort(
      (a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'),
    );
    const superuser = await api.runtime.token('acme', 'superuser');
    const badTenant = await api.runtime.token('null', 'admin');
    for (const entry of ordered) {
      const hasBody = ['post', 'put', 'patch'].includes(entry.method);
      const hasQuery = (entry.operation.parameters ?? []).some((p: { in: string }) => p.in === 'query');
      const hasIfMatch = (entry.operation.parameters ?? []).some(
        (p: { in: string; name: string }) => p.in === 'header' && p.name === 'if-match',
      );
      await send(entry, {});
      await send(entry, { token: viewerToken, ...(hasBody ? { body: '{}' } : {}) });
      await send(entry, { token: superuser });
      await send(entry, { token: badTenant });
      await send(entry, { token: adminToken, ids: unknown });
      await send(entry, {
        token: adminToken,
        ids: { ...unknown, guestId: 'not-a-guest', snapshotId: '1 2' },
      });
      if (hasQuery) await send(entry, { token: adminToken, query: '?limit=0&count=0&from=yesterday' });
      if (hasIfMatch) {
        await send(entry, {
          token: adminToken,
          headers: { 'if-match': '"999"' },
          ...(hasBody ? { body: '{}' } : {}),
        });
        await send(entry, {
          token: adminToken,
          headers: { 'if-match': 'garbage' },
          ...(hasBody ? { body: '{}' } : {}),
        });
      }
      if (hasBody) {
        await send(entry, { token: adminToken, body: '' });
        await send(entry, { token: adminToken, body: '{"bogus":1}' });
        await send(entry, { token: adminToken, body: '{"name":' });
        await send(entry, { token: adminToken, body: `{"name":"${'x'.repeat(1024 * 1024)}"}` });
        await send(entry, { token: adminToken, body: 'name=x', headers: { 'content-type': 'text/plain' } });
        await send(entry, { token: adminToken, body: '', headers: { 'content-type': 'text/plain' } });
        await send(entry, { token: adminToken, body: `${'['.repeat(10_000)}${']'.repeat(10_000)}` });
        await send(entry, { token: adminToken, body: invalidUtf8 });
        await send(entry, { token: adminToken, body: '{}', headers: { 'idempotency-key': 'has space' } });
      }
      for (const body of good[`${entry.method} ${entry.path}`] ?? []) {
        const text = JSON.stringify(body);
        const key = { 'idempotency-key': `corpus-${seen.length}` };
        await send(entry, { token: viewerToken, body: text, headers: key });
        await send(entry, { token: adminToken, body: text, headers: key });
        await send(entry, { token: adminToken, body: text, headers: key });
        await send(entry, { token: adminToken, body: '{"other":true}', headers: key });
      }
      if (!hasBody) await send(entry, { token: adminToken });
    }

    const statuses = new Set(seen.map((request) => request.status));
    // The corpus reaches the answers the contract promises, so the check below means something.
    for (const status of [200, 201, 202, 204, 400, 401, 403, 404, 409, 412, 413, 415, 422])
      expect(statuses, `some request answered ${status}`).toContain(status);
    expect(seen.filter((request) => !request.declared)).toEqual([]);
    expect(seen.filter((request) => request.status >= 500 && request.status !== 502)).toEqual([]);
    // Query and body errors say their rule in words, never as a regular expression.
    const documentPatterns = new Set(patterns(doc).map(({ pattern }) => pattern));
    for (const text of problemTexts) {
      expect(text).not.toMatch(/must match pattern|\/\^|\$\//);
      for (const pattern of documentPatterns) expect(text).not.toContain(pattern);
    }
  }, 300_000);
});
