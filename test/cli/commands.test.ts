import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { cliRunner } from './cli-harness.ts';

/**
 * Every command group of `pvesnap` against the real local service (app, DynamoDB Local, workflows,
 * the Proxmox simulator over HTTPS): results are read back with `-o json`.
 */

let api: TestApi;
let cli: ReturnType<typeof cliRunner>['run'];
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  const token = await api.runtime.token('cli', 'admin');
  cli = cliRunner({ env: { PVESNAP_URL: api.url, PVESNAP_TOKEN: token } }).run;
  const admin = await api.as('cli', 'admin');
  const cluster = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
  expect(cluster.status).toBe(201);
  clusterId = cluster.body.id;
});
afterAll(() => api.stop());

describe('pvesnap clusters', () => {
  it('registers, lists, reads by name, renames, syncs and deletes a cluster', async () => {
    const body = api.clusterBody({ name: 'second' });
    const created = await cli(
      [
        'clusters',
        'create',
        '--name',
        'second',
        '--proxmox-url',
        String(body.url),
        '--token-id',
        String(body.tokenId),
        '--fingerprint',
        String(body.fingerprint),
        '-o',
        'json',
      ],
      { env: { PVESNAP_CLUSTER_TOKEN_SECRET: String(body.tokenSecret) } },
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ name: 'second', url: body.url });

    const list = await cli(['clusters', 'list', '-o', 'json']);
    expect(
      list
        .json<Array<{ name: string }>>()
        .map((cluster) => cluster.name)
        .sort(),
    ).toEqual(['lab', 'second']);
    expect((await cli(['clusters', 'get', 'second', '-o', 'json'])).json().id).toBe(created.json().id);

    const renamed = await cli(['clusters', 'update', 'second', '--name', 'third', '-o', 'json']);
    expect(renamed.json().name).toBe('third');
    const synced = await cli(['clusters', 'sync', 'third', '-o', 'json']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.json().total).toBeGreaterThan(0);

    expect((await cli(['clusters', 'delete', 'third'])).code).toBe(0);
    const gone = await cli(['clusters', 'get', 'third']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('no cluster named "third"');
  });

  it('prints a table with a header and one row per cluster', async () => {
    const table = await cli(['clusters', 'list']);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+CONNECTION\s+URL/);
    expect(lines.some((line) => line.includes(clusterId) && line.includes('lab'))).toBe(true);
  });
});

describe('pvesnap guests', () => {
  it('lists guests with filters, showing each as cluster/vmid', async () => {
    const json = await cli(['guests', 'list', '--cluster', 'lab', '--tag', 'web', '-o', 'json']);
    expect(
      json
        .json<Array<{ vmid: number }>>()
        .map((guest) => guest.vmid)
        .sort(),
    ).toEqual([100, 101]);
    const table = await cli(['guests', 'list', '--cluster', 'lab', '--tag', 'web']);
    expect(table.stdout).toMatch(/^lab\/101\s/m);
  });

  it('reads a guest named lab/101', async () => {
    const guest = await cli(['guests', 'get', 'lab/101', '-o', 'json']);
    expect(guest.json()).toMatchObject({ id: `${clusterId}.101`, vmid: 101, name: 'web-02' });
  });

  it('answers YAML that parses back to the same guest', async () => {
    const yaml = await cli(['guests', 'get', 'lab/101', '-o', 'yaml']);
    expect(parse(yaml.stdout)).toEqual((await cli(['guests', 'get', 'lab/101', '-o', 'json'])).json());
  });
});

describe('pvesnap snapshots and operations', () => {
  it('takes a snapshot and waits for it, with a progress line on stderr', async () => {
    const taken = await cli([
      'snapshots',
      'create',
      'lab/100',
      'before-upgrade',
      '--description',
      'x',
      '--wait',
      '-o',
      'json',
    ]);
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.json()).toMatchObject({
      kind: 'snapshot',
      status: 'succeeded',
      snapshotName: 'before-upgrade',
    });
    // The guest as it can be named back.
    expect(taken.stderr).toMatch(/operation \S+ \(snapshot lab\/100 before-upgrade\): succeeded/);

    const list = await cli(['snapshots', 'list', 'lab/100', '-o', 'json']);
    expect(list.json<Array<{ name: string }>>().map((snapshot) => snapshot.name)).toContain('before-upgrade');
    const pinned = await cli(['snapshots', 'update', 'lab/100', 'before-upgrade', '--protect', '-o', 'json']);
    expect(pinned.json().protected).toBe(true);
    expect(
      (await cli(['snapshots', 'get', 'lab/100', 'before-upgrade', '-o', 'json'])).json().protected,
    ).toBe(true);
  });

  it('restores in place and into a new guest, waiting for each', async () => {
    expect((await cli(['snapshot', 'create', 'lab/102', 'base', '--wait'])).code).toBe(0);
    const inPlace = await cli(['snapshot', 'restore', 'lab/102', 'base', '--wait', '-o', 'json']);
    expect(inPlace.code, inPlace.stderr).toBe(0);
    expect(inPlace.json()).toMatchObject({ kind: 'restore-in-place', status: 'succeeded' });
    expect(inPlace.json().result.safetySnapshot).toMatch(/^safety-/);

    const copy = await cli([
      'snapshot',
      'restore',
      'lab/102',
      'base',
      '--new-guest',
      '--name',
      'db-copy',
      '--wait',
      '-o',
      'json',
    ]);
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.json()).toMatchObject({ kind: 'restore-new-guest', status: 'succeeded' });
    const newGuest = await cli(['guests', 'get', copy.json().result.newGuestId, '-o', 'json']);
    expect(newGuest.json().name).toBe('db-copy');
    expect(copy.stderr).toContain(`new guest lab/${newGuest.json().vmid}: pvesnap guests get lab/`);
  });

  it('starts an operation without --wait, then follows it with operations wait and lists it', async () => {
    const started = await cli(['snapshots', 'create', 'lab/103', 'later', '-o', 'json']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).toContain(`pvesnap operations wait ${started.json().id}`);
    const waited = await cli(['operations', 'wait', started.json().id, '-o', 'json']);
    expect(waited.json().status).toBe('succeeded');
    const list = await cli(['operations', 'list', '--guest', 'lab/103', '-o', 'json']);
    expect(list.json<Array<{ id: string }>>().map((operation) => operation.id)).toContain(started.json().id);
    expect((await cli(['operations', 'get', started.json().id, '-o', 'json'])).json().kind).toBe('snapshot');
    // On a terminal the progress line is rewritten in place and ended once.
    const onTerminal = await cli(['operations', 'wait', started.json().id], { tty: true });
    expect(onTerminal.stderr.startsWith(`\r\u001b[Koperation ${started.json().id} `)).toBe(true);
    expect(onTerminal.stderr.endsWith(': succeeded\n')).toBe(true);
  });

  it('deletes a snapshot and waits for it', async () => {
    expect((await cli(['snapshots', 'create', 'lab/104', 'short-lived', '--wait'])).code).toBe(0);
    const deleted = await cli(['snapshots', 'delete', 'lab/104', 'short-lived', '--wait', '-o', 'json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json()).toMatchObject({ kind: 'delete-snapshot', status: 'succeeded' });
    const names = (await cli(['snapshots', 'list', 'lab/104', '-o', 'json'])).json<
      Array<{ name: string; onProxmox?: boolean }>
    >();
    expect(names.filter((snapshot) => snapshot.name === 'short-lived' && snapshot.onProxmox)).toEqual([]);
  });

  it('says on stderr when Proxmox could not be read and only records are listed', async () => {
    api.simulator.server.failNext({
      status: 500,
      message: 'pveproxy down',
      method: 'GET',
      pathContains: '/snapshot',
      count: 10,
    });
    try {
      const listed = await cli(['snapshots', 'list', 'lab/100', '-o', 'json']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.json().map((snapshot: { name: string }) => snapshot.name)).toContain('before-upgrade');
      expect(listed.stderr).toContain('Proxmox could not be read');
    } finally {
      api.simulator.server.clearFaults();
    }
  });

  it("exits 6 when the operation it waits for fails, naming Proxmox's error", async () => {
    api.simulator.sim.failTasks({ message: 'snapshot feature is not available', vmid: 201 });
    const failed = await cli(['snapshots', 'create', 'lab/201', 'doomed', '--wait', '-o', 'json']);
    expect(failed.code).toBe(6);
    expect(failed.json().status).toBe('failed');
    expect(failed.stderr).toContain('snapshot feature is not available');
  });
});

describe('pvesnap policies and runs', () => {
  it('creates a policy from options, reads and changes it by name', async () => {
    const created = await cli([
      'policies',
      'create',
      '--name',
      'nightly',
      '--cron',
      '0 2 * * *',
      '--timezone',
      'Europe/Berlin',
      '--tag',
      'web',
      '--keep-daily',
      '7',
      '-o',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({
      name: 'nightly',
      selector: { tags: ['web'] },
      retention: { keepDaily: 7 },
    });
    expect((await cli(['policies', 'get', 'nightly', '-o', 'json'])).json().id).toBe(created.json().id);
    const changed = await cli([
      'policy',
      'update',
      'nightly',
      '--keep-daily',
      '3',
      '--disable',
      '-o',
      'json',
    ]);
    expect(changed.json()).toMatchObject({ enabled: false, retention: { keepDaily: 3 } });
    expect((await cli(['policy', 'update', 'nightly', '--enable', '-o', 'json'])).json().enabled).toBe(true);
    expect(
      (await cli(['policies', 'list', '-o', 'json']))
        .json<Array<{ name: string }>>()
        .map((policy) => policy.name),
    ).toContain('nightly');
  });

  it('creates a policy from a YAML document on stdin', async () => {
    const yaml = 'name: from-yaml\nschedule:\n  cron: "0 3 * * *"\nselector:\n  tags: [db]\n';
    const created = await cli(['policies', 'create', '--file', '-', '-o', 'json'], { stdin: yaml });
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ name: 'from-yaml', selector: { tags: ['db'] } });
  });

  it('shows next runs, targets and the retention preview of a policy named by name', async () => {
    const next = await cli(['policies', 'next-runs', 'nightly', '--count', '2', '-o', 'json']);
    expect(next.json().runs).toHaveLength(2);
    const targets = await cli(['policies', 'targets', 'nightly', '-o', 'json']);
    expect(
      targets
        .json()
        .targets.map((guest: { vmid: number }) => guest.vmid)
        .sort(),
    ).toEqual([100, 101]);
    const preview = await cli(['policies', 'retention-preview', 'nightly', '-o', 'json']);
    expect(preview.code, preview.stderr).toBe(0);
  });

  it('runs a policy by name and waits for the run, printing it with its results', async () => {
    const run = await cli(['policy', 'run', 'nightly', '--wait', '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({
      policyName: 'nightly',
      status: 'succeeded',
      targets: 2,
      succeeded: 2,
    });
    expect(run.json().results).toHaveLength(2);
    expect(run.stderr).toMatch(/run \S+ \(nightly\): succeeded, 2\/2 guests done/);

    const listed = await cli(['runs', 'list', '--policy', 'nightly', '-o', 'json']);
    expect(listed.json<Array<{ id: string }>>().map((item) => item.id)).toContain(run.json().id);
    expect((await cli(['runs', 'get', run.json().id, '-o', 'json'])).json().status).toBe('succeeded');
    const table = await cli(['runs', 'get', run.json().id]);
    expect(table.stdout).toMatch(/^status:\s+succeeded$/m);
    expect(table.stdout).toMatch(/^results:$/m);
    // Each guest's result by the name it is called back with, without the ids scripts read.
    expect(table.stdout).toMatch(/^outcome\s+guest\s+node\s+made\s+finishedAt\s*$/m);
    expect(table.stdout).toMatch(/^succeeded\s+lab\/100\s+pve1\s+auto-/m);
    expect(table.stdout).not.toContain('upid');
  });

  it('answers 409 (exit 3) to cancelling a run that has ended', async () => {
    const run = await cli(['policy', 'run', 'nightly', '--wait', '-o', 'json']);
    const cancel = await cli(['runs', 'cancel', run.json().id]);
    expect(cancel.code).toBe(3);
    expect(cancel.stderr).toContain('HTTP 409');
  });

  it('cancels a running run and waits for it to end cancelled', async () => {
    // One guest at a time on a slow Proxmox: the run is still going when the cancel comes.
    const policy = await cli(
      [
        'policies',
        'create',
        '--name',
        'slow',
        '--cron',
        '0 4 * * *',
        '--guest',
        'lab/104',
        '--guest',
        'lab/202',
        '--guest',
        'lab/203',
        '--file',
        '-',
        '-o',
        'json',
      ],
      { stdin: '{"concurrency": {"perNode": 1}}' },
    );
    expect(policy.code, policy.stderr).toBe(0);
    api.simulator.server.setLatency(150);
    try {
      const started = await cli(['policy', 'run', 'slow', '-o', 'json']);
      expect(started.json().status).toBe('running');
      const cancelled = await cli(['runs', 'cancel', started.json().id, '--wait', '-o', 'json']);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      expect(cancelled.json()).toMatchObject({ id: started.json().id, status: 'cancelled' });
    } finally {
      api.simulator.server.setLatency(0);
    }
  });

  it('deletes a policy by name', async () => {
    expect((await cli(['policies', 'delete', 'from-yaml'])).code).toBe(0);
    expect((await cli(['policies', 'get', 'from-yaml'])).code).toBe(2);
  });
});

describe('pvesnap exclusions', () => {
  it('excludes a guest from a policy named by name, lists and ends the exclusion', async () => {
    expect((await cli(['policies', 'create', '--name', 'weekly', '--cron', '0 6 * * 0', '--all'])).code).toBe(
      0,
    );
    const created = await cli([
      'exclusions',
      'create',
      'lab/101',
      '--policy',
      'weekly',
      '--reason',
      'migrating',
      '-o',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ guestId: `${clusterId}.101`, reason: 'migrating' });
    const list = await cli(['exclusions', 'list', '--policy', 'weekly', '-o', 'json']);
    expect(list.json<Array<{ id: string }>>().map((item) => item.id)).toEqual([created.json().id]);
    expect((await cli(['exclusions', 'delete', created.json().id])).code).toBe(0);
    expect((await cli(['exclusions', 'list', '--policy', 'weekly', '-o', 'json'])).json()).toEqual([]);
  });
});

describe('pvesnap subscriptions', () => {
  it('adds a webhook (secret shown once), finds it by URL, filters, tests, rotates and deletes it', async () => {
    const url = 'http://127.0.0.1:9/hook';
    const created = await cli([
      'subscriptions',
      'create',
      '--webhook',
      url,
      '--type',
      'run.failed',
      '-o',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json().secret).toMatch(/^whsec_/);
    expect(created.stderr).toContain('shown only this once');

    expect((await cli(['subscriptions', 'get', url, '-o', 'json'])).json().id).toBe(created.json().id);
    const updated = await cli([
      'subscriptions',
      'update',
      url,
      '--outcome',
      'failure',
      '--description',
      'pager',
      '-o',
      'json',
    ]);
    expect(updated.json()).toMatchObject({ description: 'pager', filters: { outcomes: ['failure'] } });
    const tested = await cli(['subscriptions', 'test', url, '-o', 'json']);
    expect(tested.json().eventId).toMatch(/.+/);
    const rotated = await cli(['subscriptions', 'rotate-secret', url, '-o', 'json']);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(created.json().secret);
    const deliveries = await cli(['subscriptions', 'deliveries', url, '-o', 'json']);
    expect(deliveries.code, deliveries.stderr).toBe(0);
    expect((await cli(['subscriptions', 'list', '-o', 'json'])).json()).toHaveLength(1);
    expect((await cli(['subscriptions', 'delete', url])).code).toBe(0);
    expect((await cli(['subscriptions', 'list', '-o', 'json'])).json()).toEqual([]);
  });

  it('adds an email subscription pending its confirmation, and refuses a wrong code (exit 3)', async () => {
    const created = await cli(['subscriptions', 'create', '--email', 'ops@example.com', '-o', 'json']);
    expect(created.json()).toMatchObject({ kind: 'email', status: 'pending' });
    expect(created.stderr).toContain(`pvesnap subscriptions confirm ${created.json().id}`);
    expect((await cli(['subscriptions', 'resend', 'ops@example.com'])).code).toBe(0);
    const wrong = await cli(['subscriptions', 'confirm', 'ops@example.com', '000000']);
    expect(wrong.code).toBe(3);
  });
});

describe('pvesnap audit', () => {
  it('lists what was done, as JSON and as CSV', async () => {
    expect(
      (await cli(['policies', 'create', '--name', 'audited', '--cron', '0 5 * * *', '--all'])).code,
    ).toBe(0);
    const events = await cli(['audit', 'list', '--action', 'policy.create', '-o', 'json']);
    expect(events.code, events.stderr).toBe(0);
    expect(events.json().length).toBeGreaterThanOrEqual(1);
    expect(events.json().every((event: { action: string }) => event.action === 'policy.create')).toBe(true);
    const csv = await cli(['audit', 'list', '--csv', '--limit', '5']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toMatch(/action/);
    expect(csv.stdout.trim().split('\n').length).toBeLessThanOrEqual(6);
  });
});
