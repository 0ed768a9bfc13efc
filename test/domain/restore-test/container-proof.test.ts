import { describe, expect, it } from 'vitest';
import { containerProof } from '#shared/domain/restore-test/container-proof.ts';

const nets = { net0: 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:02:00,ip=dhcp,type=veth,link_down=1' };
const lo = { name: 'lo', hwaddr: '00:00:00:00:00:00', inet: '127.0.0.1/8' };
const eth0 = { name: 'eth0', hwaddr: 'bc:24:11:00:02:00' };

describe('a container\u2019s proof of life', () => {
  it('is its init process alive and every configured device, with its MAC, in its network namespace', () => {
    expect(containerProof({ status: 'running', pid: 4242, uptime: 3 }, [lo, eth0], nets)).toEqual({
      alive: true,
      output: 'status: running; init pid 4242, up 3 s; interfaces: lo, eth0 bc:24:11:00:02:00',
    });
  });

  it('is not yet there without an init process, without a namespace, or with a device missing or another MAC', () => {
    expect(containerProof({ status: 'running' }, [lo, eth0], nets)).toEqual({
      alive: false,
      why: 'Proxmox reports no init process (pid) for the container',
    });
    expect(containerProof({ status: 'running', pid: 0 }, [lo, eth0], nets).alive).toBe(false);
    expect(containerProof({ status: 'running', pid: 4242 }, [], nets)).toEqual({
      alive: false,
      why: 'Proxmox lists no interfaces: the container has no network namespace',
    });
    expect(containerProof({ status: 'running', pid: 4242 }, [lo], nets)).toEqual({
      alive: false,
      why: 'configured interfaces missing in the container: eth0 (bc:24:11:00:02:00)',
    });
    expect(
      containerProof({ status: 'running', pid: 4242 }, [lo, { ...eth0, hwaddr: 'bc:24:11:00:09:09' }], nets)
        .alive,
    ).toBe(false);
  });
});
