import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.stop());

describe('audit trail', () => {
  it('records every change with actor, role, request id and before/after', async () => {
    const caller = await api.as('audited', 'admin');
    const created = await caller.post('/v1/policies', policyBody({ name: 'audited' }));
    const updated = await caller.patch(`/v1/policies/${created.body.id}`, { enabled: false });
    await caller.delete(`/v1/policies/${created.body.id}`);
    const events = (await caller.get('/v1/audit')).body.items;
    expect(events.map((event: { action: string }) => event.action)).toEqual([
      'policy.delete',
      'policy.update',
      'policy.create',
    ]);
    expect(events[2]).toMatchObject({
      actor: 'audited-admin',
      role: 'admin',
      outcome: 'success',
      resourceType: 'policy',
      resourceId: created.body.id,
      requestId: created.headers.get('x-request-id'),
      after: { name: 'audited', enabled: true },
    });
    expect(events[1]).toMatchObject({
      before: { enabled: true },
      after: { enabled: false },
      requestId: updated.headers.get('x-request-id'),
    });
    expect(events[0].before).toMatchObject({ enabled: false });
  });

  it('filters by actor, action, resource, outcome and time range', async () => {
    const caller = await api.as('filters', 'admin');
    const viewer = await api.as('filters', 'viewer');
    const policy = await caller.post('/v1/policies', policyBody());
    await caller.post('/v1/clusters', api.clusterBody());
    await viewer.post('/v1/policies', policyBody());
    const get = async (query: string) => (await caller.get(`/v1/audit?${query}`)).body.items;
    expect((await get('action=cluster.create')).map((e: { action: string }) => e.action)).toEqual([
      'cluster.create',
    ]);
    expect(await get('actor=filters-viewer')).toHaveLength(1);
    expect((await get('outcome=denied'))[0]).toMatchObject({
      actor: 'filters-viewer',
      role: 'viewer',
      action: 'policy.create',
    });
    expect(await get(`resourceType=policy&resourceId=${policy.body.id}`)).toHaveLength(1);
    expect(await get('from=2000-01-01T00:00:00Z&to=2000-12-31T00:00:00Z')).toEqual([]);
    // policy.create, cluster.create, cluster.sync (the first inventory) and the viewer's denial
    expect(await get(`from=${new Date(Date.now() - 60_000).toISOString()}`)).toHaveLength(4);
    expect((await caller.get('/v1/audit?outcome=maybe')).status).toBe(400);
  });

  it('pages through events without gaps or repeats', async () => {
    const caller = await api.as('paging', 'admin');
    for (let index = 0; index < 12; index++)
      await caller.post('/v1/policies', policyBody({ name: `p${index}` }));
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.get(
        `/v1/audit?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      ids.push(...page.body.items.map((event: { id: string }) => event.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect((await caller.get('/v1/audit?limit=500')).status).toBe(400);
  });

  it('exports CSV with a header row, quoting, formula defusing and a next link', async () => {
    const caller = await api.as('csv', 'admin');
    await caller.post('/v1/policies', policyBody({ name: '=cmd,"quoted"' }));
    await caller.post('/v1/policies', policyBody({ name: 'second' }));
    const csv = await caller.get('/v1/audit?limit=1', { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,id,actor,role,action,resourceType,resourceId,outcome,requestId,reason');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',csv-admin,admin,policy.create,policy,');
    const next = /<([^>]+)>; rel="next"/.exec(csv.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const rest = await caller.get(next as string, { accept: 'text/csv' });
    expect(rest.text.trimEnd().split('\r\n')).toHaveLength(2);
    expect(rest.headers.get('link')).toBeNull();
  });

  it('lets viewers read the trail', async () => {
    const viewer = await api.as('acme', 'viewer');
    expect((await viewer.get('/v1/audit')).status).toBe(200);
  });

  it('names guest operations with verb phrases: snapshot.create, snapshot.delete, snapshot.restore', async () => {
    const admin = await api.as('verbs', 'admin');
    const operator = await api.as('verbs', 'operator');
    const clusterId = (await admin.post('/v1/clusters', api.clusterBody())).body.id;
    const guest = `/v1/guests/${clusterId}.100/snapshots`;
    expect((await operator.post(guest, { name: 'verbs' })).status).toBe(202);
    await api.runtime.workflows.drain();
    expect(
      (await operator.post(`${guest}/verbs/restore`, { mode: 'in_place', safetySnapshot: false })).status,
    ).toBe(202);
    await api.runtime.workflows.drain();
    expect((await operator.delete(`${guest}/verbs`)).status).toBe(202);
    await api.runtime.workflows.drain();
    const viewer = await api.as('verbs', 'viewer');
    expect((await viewer.post(guest, { name: 'denied' })).status).toBe(403);
    const actions = (await admin.get('/v1/audit?resourceType=guest&limit=200')).body.items.map(
      (event: { action: string; outcome: string }) => `${event.action} ${event.outcome}`,
    );
    expect(actions).toEqual([
      'snapshot.create denied',
      'snapshot.delete success',
      'snapshot.restore success',
      'snapshot.create success',
    ]);
  });
});
