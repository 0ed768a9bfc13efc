import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeCommand } from '#shared/adapters/proxmox/execute-command.ts';
import { ConnectorCommandSchema } from '#shared/domain/proxmox/commands.ts';
import { ProxmoxGuestAgentError, ProxmoxNotFoundError } from '#shared/domain/proxmox-errors.ts';
import { startTestSimulator, type TestSimulator } from '#test/support/simulator.ts';

let cluster: TestSimulator;

beforeAll(async () => {
  cluster = await startTestSimulator();
});
afterAll(async () => {
  await cluster.close();
});

const reasonOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error as ProxmoxGuestAgentError;
};

const waitExited = async (vmid: number, pid: number) => {
  const client = cluster.client();
  for (;;) {
    const status = await executeCommand(client, { type: 'agentExecStatus', node: 'pve1', vmid, pid });
    if (status.exited) return status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('QEMU guest agent of the simulator, through the connector commands', () => {
  it('answers a ping of a running VM whose agent is configured and running', async () => {
    expect(await executeCommand(cluster.client(), { type: 'agentPing', node: 'pve1', vmid: 100 })).toEqual(
      {},
    );
  });

  it('fails as Proxmox does when the agent is not configured, not answering, or the VM is stopped', async () => {
    const client = cluster.client({ retries: 0 });
    cluster.sim.setGuestAgent(101, 'missing');
    const missing = await reasonOf(executeCommand(client, { type: 'agentPing', node: 'pve1', vmid: 101 }));
    expect(missing).toBeInstanceOf(ProxmoxGuestAgentError);
    expect(missing.agentProblem).toBe('not-configured');
    expect(missing.proxmoxText).toBe('No QEMU guest agent configured');
    expect(missing.httpStatus).toBeUndefined();

    cluster.sim.setGuestAgent(101, 'unresponsive');
    const hung = await reasonOf(executeCommand(client, { type: 'agentPing', node: 'pve1', vmid: 101 }));
    expect(hung.agentProblem).toBe('not-running');
    expect(hung.proxmoxText).toBe('QEMU guest agent is not running');

    const stopped = await reasonOf(executeCommand(client, { type: 'agentPing', node: 'pve2', vmid: 103 }));
    expect(stopped.agentProblem).toBe('guest-stopped');
    expect(stopped.proxmoxText).toBe('VM 103 is not running');

    cluster.sim.setGuestAgent(101, 'running');
    expect(await executeCommand(client, { type: 'agentPing', node: 'pve1', vmid: 101 })).toEqual({});
  });

  it('runs a command with its arguments and standard input, and reports its exit and output', async () => {
    const client = cluster.client();
    const echo = await executeCommand(client, {
      type: 'agentExec',
      node: 'pve1',
      vmid: 100,
      command: ['echo', 'flush tables', '--quick'],
    });
    expect(echo.pid).toBeGreaterThan(0);
    expect(await waitExited(100, echo.pid)).toEqual({
      exited: true,
      exitcode: 0,
      outData: 'flush tables --quick\n',
    });

    const cat = await executeCommand(client, {
      type: 'agentExec',
      node: 'pve1',
      vmid: 100,
      command: ['cat'],
      inputData: 'from stdin',
    });
    expect((await waitExited(100, cat.pid)).outData).toBe('from stdin');

    const failing = await executeCommand(client, {
      type: 'agentExec',
      node: 'pve1',
      vmid: 100,
      command: ['false'],
    });
    expect(await waitExited(100, failing.pid)).toEqual({ exited: true, exitcode: 1 });
  });

  it('reports a long command as running until it exits, then forgets it', async () => {
    const client = cluster.client({ retries: 0 });
    // time factor 0.01: `sleep 5` lasts 50 ms
    const sleeping = await executeCommand(client, {
      type: 'agentExec',
      node: 'pve1',
      vmid: 100,
      command: ['sleep', '5'],
    });
    expect(
      await executeCommand(client, { type: 'agentExecStatus', node: 'pve1', vmid: 100, pid: sleeping.pid }),
    ).toEqual({ exited: false });
    expect(await waitExited(100, sleeping.pid)).toMatchObject({ exited: true, exitcode: 0 });
    const gone = await reasonOf(
      executeCommand(client, { type: 'agentExecStatus', node: 'pve1', vmid: 100, pid: sleeping.pid }),
    );
    expect(gone.agentProblem).toBe('command-failed');
    expect(gone.proxmoxText).toBe("VM 100 qga command 'guest-exec-status' failed - Invalid parameter 'pid'");
  });

  it('fails a program the guest does not have with the agent\u2019s error', async () => {
    const error = await reasonOf(
      executeCommand(cluster.client({ retries: 0 }), {
        type: 'agentExec',
        node: 'pve1',
        vmid: 100,
        command: ['/opt/missing'],
      }),
    );
    expect(error).toBeInstanceOf(ProxmoxGuestAgentError);
    expect(error.agentProblem).toBe('command-failed');
    expect(error.proxmoxText).toContain('Failed to execute child process');
  });

  it('leaves other errors of an agent call as they were (a container has no QEMU config)', async () => {
    const error = await reasonOf(
      executeCommand(cluster.client({ retries: 0 }), { type: 'agentPing', node: 'pve1', vmid: 200 }),
    );
    expect(error).toBeInstanceOf(ProxmoxNotFoundError);
    expect(error).not.toBeInstanceOf(ProxmoxGuestAgentError);
  });

  it('accepts only a non-empty command array in the contract', () => {
    const base = { type: 'agentExec', node: 'pve1', vmid: 100 };
    expect(ConnectorCommandSchema.safeParse({ ...base, command: [] }).success).toBe(false);
    expect(ConnectorCommandSchema.safeParse({ ...base, command: 'echo hi' }).success).toBe(false);
    expect(ConnectorCommandSchema.safeParse({ ...base, command: ['echo', 'hi'] }).success).toBe(true);
  });
});

describe('a container\u2019s interfaces in the simulator, through the connector command', () => {
  it('lists loopback and the configured device (MAC in lower case) of a running container, nothing for a stopped one', async () => {
    const client = cluster.client();
    const running = await executeCommand(client, { type: 'containerInterfaces', node: 'pve3', vmid: 202 });
    expect(running.map((found) => found.name)).toEqual(['lo', 'eth0']);
    expect(running[1]?.hwaddr).toMatch(/^bc:24:11:[0-9a-f:]+$/);
    const status = await executeCommand(client, {
      type: 'guestStatus',
      node: 'pve3',
      guestType: 'lxc',
      vmid: 202,
    });
    expect(status.pid).toEqual(expect.any(Number));
    expect(await executeCommand(client, { type: 'containerInterfaces', node: 'pve3', vmid: 203 })).toEqual(
      [],
    );
    const stopped = await executeCommand(client, {
      type: 'guestStatus',
      node: 'pve3',
      guestType: 'lxc',
      vmid: 203,
    });
    expect(stopped.pid).toBeUndefined();
  });
});
