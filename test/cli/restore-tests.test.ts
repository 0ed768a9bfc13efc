import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { cliRunner } from './cli-harness.ts';

/** `pvesnap restore-tests` against the real local service, its restore-test workflow and the simulator. */

let api: TestApi;
let cli: ReturnType<typeof cliRunner>['run'];
let viewerCli: ReturnType<typeof cliRunner>['run'];

beforeAll(async () => {
  api = await startTestApi();
  cli = cliRunner({
    env: { PVESNAP_URL: api.url, PVESNAP_TOKEN: await api.runtime.token('clirt', 'admin') },
  }).run;
  viewerCli = cliRunner({
    env: { PVESNAP_URL: api.url, PVESNAP_TOKEN: await api.runtime.token('clirt', 'viewer') },
  }).run;
  const admin = await api.as('clirt', 'admin');
  expect((await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).status).toBe(201);
  const snapshot = await cli(['snapshot', 'create', 'lab/100', 'before-proof', '--wait']);
  expect(snapshot.code, snapshot.stderr).toBe(0);
});
afterAll(() => api.stop());

describe('pvesnap restore-tests', () => {
  it('creates, lists, changes, runs with --wait, shows the runs and the proof, and deletes a restore test', async () => {
    const created = await cli([
      'restore-tests',
      'create',
      '--name',
      'weekly-proof',
      '--cron',
      '0 4 * * 0',
      '--timezone',
      'UTC',
      '--guest',
      'lab/100',
      '--boot-timeout',
      '30',
      '-o',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const test = created.json();
    expect(test).toMatchObject({
      name: 'weekly-proof',
      source: 'snapshot',
      bootTimeoutSeconds: 30,
      enabled: true,
      version: 1,
    });
    expect(test.selector.guests).toHaveLength(1);

    const table = await cli(['restore-tests', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+SOURCE\s+ENABLED\s+CRON/);
    expect(table.stdout).toMatch(/weekly-proof\s+snapshot\s+yes\s+0 4 \* \* 0/);

    const updated = await cli(['restore-test', 'update', 'weekly-proof', '--sample', '1', '-o', 'json']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json()).toMatchObject({ sample: 1, version: 2 });
    expect((await cli(['restore-test', 'get', test.id, '-o', 'json'])).json().sample).toBe(1);

    const run = await cli(['restore-test', 'run', 'weekly-proof', '--wait', '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/restore-test run rtr_\S+ \(weekly-proof\): running/);
    expect(run.stderr).toMatch(/succeeded, 1\/1 guests done, 1 proven, 0 failed/);
    const ended = run.json();
    expect(ended).toMatchObject({ status: 'succeeded', testId: test.id, trigger: 'manual' });
    expect(ended.items[0]).toMatchObject({ outcome: 'succeeded', destroyed: true, vmid: 100 });

    const runs = await cli(['restore-tests', 'runs', 'weekly-proof', '-o', 'json']);
    expect(runs.json().map((item: { id: string }) => item.id)).toEqual([ended.id]);
    const runsTable = await cli(['restore-tests', 'runs', 'weekly-proof']);
    expect(runsTable.stdout).toMatch(
      new RegExp(`${ended.id}\\s+weekly-proof\\s+manual\\s+succeeded\\s+1\\s+1\\s`),
    );

    // By the test's name: its newest run, one row of proof per guest.
    const proof = await cli(['restore-tests', 'proof', 'weekly-proof']);
    expect(proof.code, proof.stderr).toBe(0);
    expect(proof.stdout).toContain(
      `restore-test run ${ended.id} (weekly-proof): succeeded, 1 of 1 guests proven`,
    );
    expect(proof.stdout).toMatch(/^GUEST\s+POINT\s+OUTCOME\s+TEST VMID\s+RESTORE S\s+BOOT S\s+PROOF/m);
    expect(proof.stdout).toMatch(
      /\(100\)\s+snapshot before-proof\s+succeeded\s+\d+\s+[\d.]+\s+[\d.]+\s+QEMU guest agent: ping answered\s+net0\S*\s+yes/,
    );
    const byRun = await cli(['restore-tests', 'proof', ended.id, '-o', 'json']);
    expect(byRun.json().items[0].checkOutput).toBe('QEMU guest agent: ping answered');

    const deleted = await cli(['restore-tests', 'delete', 'weekly-proof']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await cli(['restore-tests', 'get', 'weekly-proof'])).code).toBe(2);
    expect((await cli(['restore-tests', 'get', test.id])).code).toBe(2);
  });

  it('copies a policy’s selector with --policy', async () => {
    const policy = await cli([
      'policies',
      'create',
      '--name',
      'prod-nightly',
      '--cron',
      '0 2 * * *',
      '--tag',
      'prod',
      '--keep-daily',
      '7',
    ]);
    expect(policy.code, policy.stderr).toBe(0);
    const created = await cli([
      'restore-tests',
      'create',
      '--name',
      'prod-proof',
      '--cron',
      '0 5 * * 0',
      '--policy',
      'prod-nightly',
      '--source',
      'backup',
      '-o',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ source: 'backup', selector: { tags: ['prod'] } });
  });

  it('exits 6 when --wait sees a run that proved nothing, and the proof says why', async () => {
    const created = await cli([
      'restore-tests',
      'create',
      '--name',
      'no-point',
      '--cron',
      '0 4 * * 0',
      '--guest',
      'lab/200',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const run = await cli(['restore-tests', 'run', 'no-point', '--wait']);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/restore-test run rtr_\S+ ended failed/);
    const proof = await cli(['restore-tests', 'proof', 'no-point']);
    expect(proof.stdout).toContain('the guest has no recovery point of this kind to test');
  });

  it('refuses a viewer’s create (exit 4) and a bad spec (exit 3), and an unknown test is exit 2', async () => {
    const refused = await viewerCli([
      'restore-tests',
      'create',
      '--name',
      'x',
      '--cron',
      '0 4 * * 0',
      '--all',
    ]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('admin');
    const bad = await cli([
      'restore-tests',
      'create',
      '--name',
      'bad',
      '--cron',
      '0 4 * * 0',
      '--all',
      '--boot-timeout',
      '5',
    ]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('bootTimeoutSeconds');
    expect((await cli(['restore-tests', 'run', 'nothing-of-that-name'])).code).toBe(2);
    expect((await cli(['restore-tests', 'create', '--name', 'x', '--source', 'tape'])).code).toBe(1);
    const values = await cli(['__complete', 'restore-tests', 'create', '--source', '']);
    expect(values.stdout.trim().split('\n')).toEqual(['snapshot', 'backup']);
    expect((await viewerCli(['restore-tests', 'list'])).code).toBe(0);
  });
});
