import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgainstCluster, startServiceProcess, waitFor } from '#test/support/processes.ts';
import { startTestSimulator, type TestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';

let simulator: TestSimulator;
beforeAll(async () => {
  // The cluster lives outside the killed process, as a real one does: its tasks keep running.
  simulator = await startTestSimulator({ simulator: { timeFactor: 0.4 } });
});
afterAll(() => simulator.close());

const startAgainstSimulator = (prefix: string) =>
  startAgainstCluster(
    {
      url: simulator.server.url,
      tokenId: TOKEN_ID,
      tokenSecret: TOKEN_SECRET,
      fingerprint: simulator.server.fingerprint(),
    },
    prefix,
  );

describe('killing the local runtime in the middle of a policy run', () => {
  it('finishes the run after a restart with exactly one snapshot per guest and every result recorded', async () => {
    const { dataDir, env, first, call } = await startAgainstSimulator('crash-');
    const policy = await call(first.url, 'POST', '/v1/policies', {
      name: 'crash',
      schedule: { cron: '0 2 * * *' },
      selector: { all: true },
      snapshot: { namePrefix: 'crash' },
    });
    const run = await call(first.url, 'POST', `/v1/policies/${policy.id}/runs`);
    const targets = simulator.sim.state.guests.filter((guest) => !guest.template).map((guest) => guest.vmid);
    const taken = () =>
      simulator.sim.state.guests.flatMap((guest) =>
        guest.snapshots.filter((s) => s.name.startsWith('crash-')).map(() => guest.vmid),
      );
    // Kill it after some snapshots were taken and before all were.
    await waitFor(() => taken().length >= 2, 30_000, 'the first snapshots');
    expect(taken().length).toBeLessThan(targets.length);
    first.service.child.kill('SIGKILL');
    await first.service.exited;

    const second = await startServiceProcess(dataDir, env);
    let finished: any;
    await waitFor(
      async () => {
        finished = await call(second.url, 'GET', `/v1/runs/${run.id}`);
        return !['pending', 'running'].includes(finished.status);
      },
      60_000,
      'the resumed run to finish',
    );
    second.service.child.kill('SIGTERM');
    await second.service.exited;

    expect(finished).toMatchObject({
      status: 'succeeded',
      targets: targets.length,
      succeeded: targets.length,
      failed: 0,
    });
    expect(new Set(finished.results.map((r: { vmid: number }) => r.vmid))).toEqual(new Set(targets));
    const perGuest = new Map<number, number>();
    for (const vmid of taken()) perGuest.set(vmid, (perGuest.get(vmid) ?? 0) + 1);
    expect([...perGuest.keys()].sort()).toEqual([...targets].sort());
    expect([...perGuest.values()].every((count) => count === 1)).toBe(true);
  }, 180_000);

  it('fails a restore it was running when killed, with a clear reason, instead of running it again', async () => {
    const { dataDir, env, first, call } = await startAgainstSimulator('crash-op-');
    const clusterId = (await call(first.url, 'GET', '/v1/clusters')).items[0].id;
    const guest = `${clusterId}.102`;
    const snapshot = await call(first.url, 'POST', `/v1/guests/${guest}/snapshots`, { name: 'before-crash' });
    await waitFor(
      async () => (await call(first.url, 'GET', `/v1/operations/${snapshot.id}`)).status === 'succeeded',
      30_000,
      'the snapshot',
    );
    const restore = await call(first.url, 'POST', `/v1/guests/${guest}/snapshots/before-crash/restore`, {
      mode: 'in_place',
    });
    await waitFor(
      async () => (await call(first.url, 'GET', `/v1/operations/${restore.id}`)).status === 'running',
      30_000,
      'the restore to run',
    );
    first.service.child.kill('SIGKILL');
    await first.service.exited;

    const second = await startServiceProcess(dataDir, env);
    const after = await call(second.url, 'GET', `/v1/operations/${restore.id}`);
    second.service.child.kill('SIGTERM');
    await second.service.exited;
    expect(after).toMatchObject({ status: 'failed', errorType: 'Interrupted' });
    expect(after.error).toMatch(/stopped while this operation ran .*check the guest in Proxmox/);
  }, 180_000);
});
