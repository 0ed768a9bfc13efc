import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHookCaller } from '#shared/adapters/notifications/hook-caller.ts';
import { runHookStep } from '#shared/services/hooks/run-hook.ts';
import type { SnapshotWorkItem } from '#shared/services/policy-run/work-item.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startHookReceiver } from '#test/support/hook-receiver.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;
let receiver: Awaited<ReturnType<typeof startHookReceiver>>;

beforeAll(async () => {
  receiver = await startHookReceiver({ slowMs: 3000 });
  api = await startTestApi({ runtime: { hookCertificates: [receiver.cert] } });
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(async () => {
  await api.stop();
  await receiver.stop();
});

/** Standard Webhooks' signature, computed here independently of the service's code. */
function verify(secret: string, headers: Record<string, unknown>, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`)
    .digest('base64');
  return String(headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

/** Creates a policy for one guest with the given hooks and its hook secret; runs it to the end. */
async function runWithHooks(vmid: number, hooks: Record<string, unknown>, name: string) {
  const created = await admin.post(
    '/v1/policies',
    policyBody({
      name,
      selector: { guests: [`${clusterId}.${vmid}`] },
      snapshot: { namePrefix: name },
      hooks,
    }),
  );
  expect(created.status, created.text).toBe(201);
  const secret = await admin.post(`/v1/policies/${created.body.id}/hook-secret`);
  expect(secret.status).toBe(201);
  const started = await admin.post(`/v1/policies/${created.body.id}/runs`);
  expect(started.status).toBe(202);
  await api.runtime.workflows.drain();
  const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
  const calls = (await admin.get(`/v1/runs/${started.body.id}/hook-calls`)).body.items;
  const hits = receiver.received.filter((hook) => hook.json?.run?.id === started.body.id);
  return { policy: created.body, secret: secret.body.secret as string, run, calls, hits };
}

const snapshotsOf = (vmid: number, prefix: string) =>
  api.simulator.sim.state.guests
    .find((g) => g.vmid === vmid)
    ?.snapshots.filter((s) => s.name.startsWith(prefix)) ?? [];

describe('HTTPS hooks', () => {
  it('calls a signed pre hook before and a post hook after the snapshot, and records both calls', async () => {
    const { policy, secret, run, calls, hits } = await runWithHooks(
      104,
      { pre: { kind: 'https', url: receiver.url('/ok') }, post: { kind: 'https', url: receiver.url('/ok') } },
      'hooked',
    );
    expect(run.results).toEqual([expect.objectContaining({ vmid: 104, outcome: 'succeeded' })]);
    expect(run.results[0].warning).toBeUndefined();
    expect(hits.map((hook) => hook.json.phase)).toEqual(['pre', 'post']);
    for (const hook of hits) expect(verify(secret, hook.headers, hook.body)).toBe(true);
    expect(
      verify(
        'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        hits[0]?.headers ?? {},
        hits[0]?.body ?? '',
      ),
    ).toBe(false);
    expect(hits[0]?.json).toMatchObject({
      type: 'hook.pre',
      tenant: 'acme',
      policy: { id: policy.id, name: 'hooked' },
      run: { id: run.id },
      guest: { cluster: clusterId, node: 'pve3', vmid: 104, name: 'staging-app', tags: ['staging'] },
      phase: 'pre',
    });
    expect(hits[0]?.json.outcome).toBeUndefined();
    expect(hits[1]?.json.outcome).toMatchObject({ status: 'succeeded' });
    expect(calls).toEqual([
      expect.objectContaining({ phase: 'post', status: 'succeeded', httpStatus: 200, responseHead: 'ok' }),
      expect.objectContaining({ phase: 'pre', status: 'succeeded', httpStatus: 200, responseHead: 'ok' }),
    ]);
    expect(calls[0].latencyMs).toEqual(expect.any(Number));
    const audit = (await admin.get(`/v1/audit?resourceType=run&resourceId=${run.id}`)).body;
    expect(JSON.stringify(audit)).toContain('hook.call');
  });

  it('skips the guest when a pre hook times out under abort, saying which hook and why; the post hook still runs', async () => {
    const { run, calls, hits } = await runWithHooks(
      104,
      {
        pre: { kind: 'https', url: receiver.url('/slow'), timeoutSeconds: 1, onFailure: 'abort' },
        post: { kind: 'https', url: receiver.url('/ok') },
      },
      'aborted',
    );
    expect(run.results).toEqual([
      expect.objectContaining({ outcome: 'failed', errorType: 'HookAbortedError' }),
    ]);
    expect(run.results[0].error).toContain(`pre hook (https ${receiver.url('/slow')}) timed out`);
    expect(snapshotsOf(104, 'aborted')).toEqual([]);
    expect(calls.find((call: { phase: string }) => call.phase === 'pre')).toMatchObject({
      status: 'timed-out',
    });
    expect(hits.find((hook) => hook.json.phase === 'post')?.json.outcome).toMatchObject({ status: 'failed' });
  });

  it('takes the snapshot with a warning when a failed pre hook says continue', async () => {
    const { run, calls } = await runWithHooks(
      104,
      { pre: { kind: 'https', url: receiver.url('/fail'), onFailure: 'continue' } },
      'carryon',
    );
    expect(run.results).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
    expect(run.results[0].warning).toContain('the receiver answered HTTP 500');
    expect(snapshotsOf(104, 'carryon')).toHaveLength(1);
    expect(calls).toEqual([
      expect.objectContaining({
        status: 'failed',
        httpStatus: 500,
        responseHead: 'database refused to freeze',
      }),
    ]);
  });

  it('runs the post hook after a failed snapshot, with the failure as the outcome', async () => {
    api.simulator.sim.failTasks({
      message: 'snapshot feature is not available',
      type: 'snapshot',
      vmid: 104,
    });
    const { run, hits } = await runWithHooks(
      104,
      { pre: { kind: 'https', url: receiver.url('/ok') }, post: { kind: 'https', url: receiver.url('/ok') } },
      'broken',
    );
    expect(run.results).toEqual([expect.objectContaining({ outcome: 'failed' })]);
    expect(hits.map((hook) => hook.json.phase)).toEqual(['pre', 'post']);
    expect(hits[1]?.json.outcome).toMatchObject({
      status: 'failed',
      error: 'snapshot feature is not available',
    });
  });

  it('calls a hook once per guest and tick when the step is retried', async () => {
    const { policy, run } = await runWithHooks(
      104,
      { pre: { kind: 'https', url: receiver.url('/ok') } },
      'once',
    );
    const item: SnapshotWorkItem = {
      tenantId: 'acme',
      runId: run.id,
      policyId: policy.id,
      policyName: policy.name,
      scheduledTime: run.scheduledTime,
      clusterId,
      snapshotName: 'once-x',
      description: '',
      kind: 'snapshot',
      vzdump: null,
      pruneOnly: false,
      pruneBy: '',
      hooks: true,
      followTasks: false,
      guestId: `${clusterId}.104`,
      node: 'pve3',
      guestType: 'qemu',
      vmid: 104,
      vmstate: false,
    };
    const before = receiver.received.length;
    const deps = {
      store: api.runtime.store,
      proxmox: { call: async () => ({}) },
      now: Date.now,
      ids: { next: (prefix: string) => `${prefix}_${Date.now()}` },
      hookSecrets: {
        put: async () => '',
        get: async () => '{"current":"whsec_AA=="}',
        delete: async () => {},
      },
      hookCaller: new UndiciHookCaller({ allowPrivate: true }, { ca: [receiver.cert] }),
      callbackUrl: (token: string) => `${api.url}/v1/hook-callbacks/${token}`,
    };
    // The workflow's step ran once already; a retry of it (same run, guest, phase) calls nobody.
    const again = await runHookStep(deps, { item, phase: 'pre', action: 'start' });
    expect(again).toEqual({ state: 'done', proceed: true });
    expect(receiver.received.length).toBe(before);
    await deps.hookCaller.close();
  });

  it('refuses hooks to private addresses as in AWS, and a URL that is not https at save', async () => {
    const production = new UndiciHookCaller({ allowPrivate: false }, { ca: [receiver.cert] });
    for (const url of [
      receiver.url('/ok'),
      'https://10.0.0.7/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/',
    ]) {
      await expect(production.call({ url, headers: {}, body: '{}', timeoutMs: 1000 })).rejects.toThrow(
        /not public/,
      );
    }
    await production.close();
    const plain = await admin.post(
      '/v1/policies',
      policyBody({ hooks: { pre: { kind: 'https', url: 'http://example.com/hook' } } }),
    );
    expect(plain.status).toBe(400);
    expect(JSON.stringify(plain.body.errors)).toContain('hooks.https');
  });
});

describe('guest-agent hooks', () => {
  it('runs an allow-listed command in the guest and records its exit code and output', async () => {
    const { run, calls } = await runWithHooks(
      104,
      {
        allowedCommands: ['echo', 'false'],
        pre: { kind: 'agent', command: ['echo', 'frozen'] },
        post: { kind: 'agent', command: ['false'], onFailure: 'continue' },
      },
      'agented',
    );
    expect(run.results).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
    const byPhase = Object.fromEntries(calls.map((call: { phase: string }) => [call.phase, call]));
    expect(byPhase.pre).toMatchObject({
      kind: 'agent',
      target: 'echo frozen',
      status: 'succeeded',
      exitCode: 0,
      responseHead: 'frozen\n',
    });
    expect(byPhase.post).toMatchObject({ status: 'failed', exitCode: 1, error: 'exit code 1' });
  });

  it('times out a command that runs too long, and skips a guest whose agent is missing with Proxmox\u2019s reason', async () => {
    // time factor 0.01: `sleep 300` lasts 3 s, past the hook's 1 s
    const slow = await runWithHooks(
      104,
      { allowedCommands: ['sleep'], pre: { kind: 'agent', command: ['sleep', '300'], timeoutSeconds: 1 } },
      'sleepy',
    );
    expect(slow.calls[0]).toMatchObject({ status: 'timed-out', error: 'did not exit within 1 s' });
    expect(slow.run.results[0]).toMatchObject({ outcome: 'failed', errorType: 'HookAbortedError' });

    api.simulator.sim.setGuestAgent(104, 'missing');
    try {
      const missing = await runWithHooks(
        104,
        { allowedCommands: ['sync'], pre: { kind: 'agent', command: ['sync'] } },
        'noagent',
      );
      expect(missing.run.results[0].error).toContain('No QEMU guest agent configured');
      expect(snapshotsOf(104, 'noagent')).toEqual([]);
    } finally {
      api.simulator.sim.setGuestAgent(104, 'running');
    }
  });

  it('refuses at save a command that is not on the policy\u2019s allow-list', async () => {
    const refused = await admin.post(
      '/v1/policies',
      policyBody({
        hooks: { allowedCommands: ['sync'], pre: { kind: 'agent', command: ['rm', '-rf', '/'] } },
      }),
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.errors)).toContain('hooks.allowed-command');
  });
});
