import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startHookReceiver } from '#test/support/hook-receiver.ts';

let api: TestApi;
let acme: Caller;
let globex: Caller;
let acmeCluster: string;
let globexCluster: string;
let receiver: Awaited<ReturnType<typeof startHookReceiver>>;
/** The lane states each execution entered, to tell which path a hook took. */
const entered: string[] = [];

beforeAll(async () => {
  receiver = await startHookReceiver();
  api = await startTestApi({
    runtime: {
      hookCertificates: [receiver.cert],
      onWorkflowEvent: (_execution, event) => {
        if (event.state) entered.push(event.state.name);
      },
    },
  });
  acme = await api.as('acme', 'admin');
  globex = await api.as('globex', 'admin');
  acmeCluster = (await acme.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  globexCluster = (await globex.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(async () => {
  await api.stop();
  await receiver.stop();
});

/** Standard Webhooks' signature, made here as a receiver would, independently of the service's code. */
function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A receiver's callback: signed with `secret` unless told otherwise, stamped now unless told otherwise. */
async function callBack(
  url: string,
  secret: string,
  answer: Record<string, unknown>,
  options: { timestamp?: number; signature?: string } = {},
) {
  const body = JSON.stringify(answer);
  const id = `cb_${Math.random().toString(36).slice(2)}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': options.signature ?? sign(secret, id, timestamp, body),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Creates a policy for one guest with the given hooks and its secret, and starts a run (not waited for). */
async function start(
  caller: Caller,
  clusterId: string,
  vmid: number,
  hooks: Record<string, unknown>,
  name: string,
) {
  const created = await caller.post(
    '/v1/policies',
    policyBody({
      name,
      selector: { guests: [`${clusterId}.${vmid}`] },
      snapshot: { namePrefix: name },
      hooks,
    }),
  );
  expect(created.status, created.text).toBe(201);
  const secret = (await caller.post(`/v1/policies/${created.body.id}/hook-secret`)).body.secret as string;
  const started = await caller.post(`/v1/policies/${created.body.id}/runs`);
  expect(started.status).toBe(202);
  return { secret, runId: started.body.id as string };
}

/** The receiver's request of a run's phase, once it came. */
async function hitOf(runId: string, phase: 'pre' | 'post') {
  for (let look = 0; look < 300; look++) {
    const hit = receiver.received.find((hook) => hook.json?.run?.id === runId && hook.json?.phase === phase);
    if (hit) return hit;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${phase} hook request for run ${runId}`);
}

/** The hook call of a phase, once it awaits its callback (the workflow's task then waits, or is about to). */
async function awaiting(caller: Caller, runId: string, phase: 'pre' | 'post') {
  for (let look = 0; look < 300; look++) {
    const calls = (await caller.get(`/v1/runs/${runId}/hook-calls`)).body.items ?? [];
    const call = calls.find((c: { phase: string }) => c.phase === phase);
    if (call?.status === 'awaiting') return call;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the ${phase} hook of run ${runId} never awaited its callback`);
}

const snapshotsOf = (vmid: number, prefix: string) =>
  api.simulator.sim.state.guests
    .find((g) => g.vmid === vmid)
    ?.snapshots.filter((s) => s.name.startsWith(prefix)) ?? [];

describe('asynchronous HTTPS hooks (202, then a callback)', () => {
  it('waits on a task token for a receiver that answered 202, and goes on when it calls back continue', async () => {
    const { secret, runId } = await start(
      acme,
      acmeCluster,
      104,
      {
        pre: { kind: 'https', url: receiver.url('/accept'), timeoutSeconds: 120 },
        post: { kind: 'https', url: receiver.url('/ok') },
      },
      'asyncok',
    );
    const hit = await hitOf(runId, 'pre');
    expect(hit.json.callback.url).toMatch(
      new RegExp(`^${api.url}/v1/hook-callbacks/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`),
    );
    expect(Date.parse(hit.json.callback.deadline)).toBeGreaterThan(Date.now() + 60_000);
    await awaiting(acme, runId, 'pre');
    // Nothing moves while the receiver works: no snapshot yet.
    expect(snapshotsOf(104, 'asyncok')).toEqual([]);
    const answered = await callBack(hit.json.callback.url, secret, {
      outcome: 'continue',
      message: 'frozen',
    });
    expect(answered).toEqual({ status: 200, body: { status: 'succeeded' } });
    await api.runtime.workflows.drain();
    const run = (await acme.get(`/v1/runs/${runId}`)).body;
    expect(run.results).toEqual([expect.objectContaining({ vmid: 104, outcome: 'succeeded' })]);
    expect(run.results[0].warning).toBeUndefined();
    expect(snapshotsOf(104, 'asyncok')).toHaveLength(1);
    const calls = (await acme.get(`/v1/runs/${runId}/hook-calls`)).body.items;
    expect(calls.find((c: { phase: string }) => c.phase === 'pre')).toMatchObject({
      status: 'succeeded',
      httpStatus: 202,
      callbackOutcome: 'continue',
      responseHead: 'frozen',
    });
    // The token's hash and the waiting task's token stay the service's own.
    expect(JSON.stringify(calls)).not.toMatch(/callbackHash|taskToken|local-/);
    expect(entered).toContain('AwaitPreHookCallback');
    const audit = JSON.stringify((await acme.get(`/v1/audit?resourceType=run&resourceId=${runId}`)).body);
    expect(audit).toContain('"callbackOutcome":"continue"');
    expect(audit).toContain('hook-receiver');
  });

  it('skips the guest when the receiver calls back abort, with its message as the reason', async () => {
    const { secret, runId } = await start(
      acme,
      acmeCluster,
      104,
      { pre: { kind: 'https', url: receiver.url('/accept'), timeoutSeconds: 120, onFailure: 'abort' } },
      'asyncabort',
    );
    const hit = await hitOf(runId, 'pre');
    await awaiting(acme, runId, 'pre');
    const answered = await callBack(hit.json.callback.url, secret, {
      outcome: 'abort',
      message: 'replica lagging',
    });
    expect(answered.status).toBe(200);
    await api.runtime.workflows.drain();
    const run = (await acme.get(`/v1/runs/${runId}`)).body;
    expect(run.results).toEqual([
      expect.objectContaining({ outcome: 'failed', errorType: 'HookAbortedError' }),
    ]);
    expect(run.results[0].error).toContain('the receiver called back abort: replica lagging');
    expect(snapshotsOf(104, 'asyncabort')).toEqual([]);
  });

  it('refuses a forged signature and a stale timestamp, then takes the real callback once and refuses its replay', async () => {
    const { secret, runId } = await start(
      acme,
      acmeCluster,
      104,
      { pre: { kind: 'https', url: receiver.url('/accept'), timeoutSeconds: 120 } },
      'asyncreplay',
    );
    const hit = await hitOf(runId, 'pre');
    await awaiting(acme, runId, 'pre');
    const url = hit.json.callback.url as string;
    const forged = await callBack(url, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', {
      outcome: 'continue',
    });
    expect(forged.status).toBe(401);
    expect(forged.body.detail).toContain('webhook-signature does not match');
    const stale = await callBack(
      url,
      secret,
      { outcome: 'continue' },
      { timestamp: Math.floor(Date.now() / 1000) - 600 },
    );
    expect(stale.status).toBe(401);
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"outcome":"continue"}',
    });
    expect(unsigned.status).toBe(401);
    // None of them changed the call.
    await awaiting(acme, runId, 'pre');
    const body = JSON.stringify({ outcome: 'continue' });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'cb_once',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(secret, 'cb_once', timestamp, body),
    };
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(200);
    const replayed = await fetch(url, { method: 'POST', headers, body });
    expect(replayed.status).toBe(409);
    expect(((await replayed.json()) as any).detail).toContain('no longer awaiting a callback');
    await api.runtime.workflows.drain();
    const run = (await acme.get(`/v1/runs/${runId}`)).body;
    expect(run.results).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
  });

  it('times out a hook whose receiver never calls back, by onFailure, and refuses the late callback', async () => {
    const { secret, runId } = await start(
      acme,
      acmeCluster,
      104,
      { pre: { kind: 'https', url: receiver.url('/accept'), timeoutSeconds: 2, onFailure: 'continue' } },
      'asynclate',
    );
    const hit = await hitOf(runId, 'pre');
    await api.runtime.workflows.drain();
    const run = (await acme.get(`/v1/runs/${runId}`)).body;
    expect(run.results).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
    expect(run.results[0].warning).toContain('timed out: no callback within 2 s');
    const calls = (await acme.get(`/v1/runs/${runId}/hook-calls`)).body.items;
    expect(calls[0]).toMatchObject({ phase: 'pre', status: 'timed-out', httpStatus: 202 });
    const late = await callBack(hit.json.callback.url, secret, { outcome: 'abort' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain('timed out');
  });

  it('never lets one tenant\u2019s callback token complete another tenant\u2019s hook', async () => {
    const a = await start(
      acme,
      acmeCluster,
      104,
      { pre: { kind: 'https', url: receiver.url('/accept'), timeoutSeconds: 120 } },
      'tenanta',
    );
    const b = await start(
      globex,
      globexCluster,
      104,
      { pre: { kind: 'https', url: receiver.url('/accept'), timeoutSeconds: 120 } },
      'tenantb',
    );
    const hitA = await hitOf(a.runId, 'pre');
    const hitB = await hitOf(b.runId, 'pre');
    await awaiting(acme, a.runId, 'pre');
    await awaiting(globex, b.runId, 'pre');
    const [baseA, tokenA] = [
      hitA.json.callback.url.replace(/[^/]+$/, ''),
      hitA.json.callback.url.split('/').at(-1),
    ];
    const tokenB = hitB.json.callback.url.split('/').at(-1) as string;
    // A's secret part under B's location, signed with A's secret, then with B's: neither is B's call.
    const forged = `${tokenB.split('.')[0]}.${tokenA.split('.')[1]}`;
    expect((await callBack(`${baseA}${forged}`, a.secret, { outcome: 'abort' })).status).toBe(404);
    expect((await callBack(`${baseA}${forged}`, b.secret, { outcome: 'abort' })).status).toBe(404);
    // A's own token signed with B's secret is refused too.
    expect((await callBack(hitA.json.callback.url, b.secret, { outcome: 'abort' })).status).toBe(401);
    await awaiting(globex, b.runId, 'pre');
    expect((await callBack(hitB.json.callback.url, b.secret, { outcome: 'continue' })).status).toBe(200);
    expect((await callBack(hitA.json.callback.url, a.secret, { outcome: 'continue' })).status).toBe(200);
    await api.runtime.workflows.drain();
    expect((await globex.get(`/v1/runs/${b.runId}`)).body.results).toEqual([
      expect.objectContaining({ outcome: 'succeeded' }),
    ]);
    expect((await acme.get(`/v1/runs/${a.runId}`)).body.results).toEqual([
      expect.objectContaining({ outcome: 'succeeded' }),
    ]);
  });
});
