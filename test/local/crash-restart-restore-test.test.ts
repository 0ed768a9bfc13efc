import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRestoreTestGuest } from '#shared/domain/restore-test/isolation.ts';
import { startAgainstCluster, startServiceProcess, waitFor } from '#test/support/processes.ts';
import { startTestSimulator, type TestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';

let simulator: TestSimulator;
beforeAll(async () => {
  // The cluster lives outside the killed process, as a real one does.
  simulator = await startTestSimulator({ simulator: { timeFactor: 0.4 } });
});
afterAll(() => simulator.close());

const testGuests = () => simulator.sim.state.guests.filter((guest) => isRestoreTestGuest(guest.tags));

describe('killing the local runtime in the middle of a restore test', () => {
  it('leaves a test guest that the reconciliation removes after the restart; the run ends failed', async () => {
    const { dataDir, env, first, call } = await startAgainstCluster(
      {
        url: simulator.server.url,
        tokenId: TOKEN_ID,
        tokenSecret: TOKEN_SECRET,
        fingerprint: simulator.server.fingerprint(),
      },
      'crash-rt-',
    );
    const clusterId = (await call(first.url, 'GET', '/v1/clusters')).items[0].id;
    const snapshot = await call(first.url, 'POST', `/v1/guests/${clusterId}.102/snapshots`, {
      name: 'to-prove',
    });
    await waitFor(
      async () => (await call(first.url, 'GET', `/v1/operations/${snapshot.id}`)).status === 'succeeded',
      30_000,
      'the snapshot',
    );
    // The copy boots but its agent never answers: the test is still looking for life when killed.
    simulator.sim.setGuestAgent(102, 'unresponsive');
    const test = await call(first.url, 'POST', '/v1/restore-tests', {
      name: 'crash',
      schedule: { cron: '0 4 * * 0', timezone: 'UTC' },
      selector: { guests: [`${clusterId}.102`] },
      bootTimeoutSeconds: 3600,
    });
    const run = await call(first.url, 'POST', `/v1/restore-tests/${test.id}/run`);
    await waitFor(
      () => testGuests().some((guest) => guest.status === 'running'),
      60_000,
      'the test guest to run',
    );
    const [leftover] = testGuests();
    first.service.child.kill('SIGKILL');
    await first.service.exited;
    expect(simulator.sim.state.guests.find((guest) => guest.vmid === leftover?.vmid)).toBeDefined();

    const second = await startServiceProcess(dataDir, env);
    await waitFor(() => testGuests().length === 0, 60_000, 'the leftover to be removed');
    // The record says so once the destroy task has ended (the guest leaves Proxmox's list first).
    await waitFor(
      async () =>
        (await call(second.url, 'GET', `/v1/restore-test-runs/${run.id}`)).items?.[0]?.destroyed === true,
      30_000,
      'the run to record the removal',
    );
    const after = await call(second.url, 'GET', `/v1/restore-test-runs/${run.id}`);
    second.service.child.kill('SIGTERM');
    await second.service.exited;

    expect(after).toMatchObject({ status: 'failed', reason: expect.stringContaining('interrupted') });
    expect(after.items[0]).toMatchObject({
      testVmid: leftover?.vmid,
      outcome: 'failed',
      reason: 'the service restarted during the test',
      destroyed: true,
    });
    // The original is untouched.
    expect(simulator.sim.state.guests.find((guest) => guest.vmid === 102)).toBeDefined();
  }, 240_000);
});
