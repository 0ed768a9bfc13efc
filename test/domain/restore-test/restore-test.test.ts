import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isolationOptions,
  isRestoreTestGuest,
  linksDown,
  RESTORE_TEST_TAG,
} from '#shared/domain/restore-test/isolation.ts';
import { type RestoreTestItem, runStatus, sampleOf } from '#shared/domain/restore-test/restore-test.ts';

describe('isolating a restored guest', () => {
  it('takes every network link down (QEMU and LXC devices) and leaves only the service tag', () => {
    const config = {
      name: 'web-01',
      net0: 'virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1',
      net1: 'e1000=BC:24:11:00:01:01,bridge=vmbr1,link_down=0',
      net2: 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:02:00,ip=dhcp,type=veth',
      tags: 'prod;web',
      scsi0: 'local-lvm:vm-100-disk-0,size=32G',
    };
    const options = isolationOptions(config);
    expect(options).toEqual({
      tags: RESTORE_TEST_TAG,
      net0: 'virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1,link_down=1',
      net1: 'e1000=BC:24:11:00:01:01,bridge=vmbr1,link_down=1',
      net2: 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:02:00,ip=dhcp,type=veth,link_down=1',
    });
    expect(linksDown(config)).toBe(false);
    expect(linksDown({ ...config, ...options })).toBe(true);
    expect(isRestoreTestGuest(options.tags)).toBe(true);
    expect(isRestoreTestGuest('prod;web')).toBe(false);
  });

  it('is idempotent: isolating twice writes the same options', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.integer({ min: 0, max: 31 }).map((n) => `net${n}`),
          fc
            .array(fc.constantFrom('virtio=AA:BB', 'bridge=vmbr0', 'link_down=0', 'link_down=1', 'tag=5'), {
              minLength: 1,
            })
            .map((parts) => parts.join(',')),
        ),
        (config) => {
          const once = isolationOptions(config);
          expect(isolationOptions({ ...config, ...once })).toEqual(once);
          expect(linksDown({ ...config, ...once })).toBe(true);
        },
      ),
    );
  });
});

describe('sampling guests', () => {
  it('picks min(n, all) distinct values, each one of the given', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer()),
        fc.integer({ min: 0, max: 20 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (values, n, r) => {
          const sample = sampleOf(values, n, () => r);
          expect(sample).toHaveLength(Math.min(n, values.length));
          expect(new Set(sample).size).toBe(sample.length);
          for (const value of sample) expect(values).toContain(value);
        },
      ),
    );
  });
});

describe('a run’s status', () => {
  const item = (outcome: 'succeeded' | 'failed'): RestoreTestItem => ({
    guestId: 'g',
    clusterId: 'c',
    guestName: 'n',
    guestType: 'lxc',
    node: 'pve1',
    vmid: 200,
    phase: 'done',
    outcome,
  });
  it('is skipped without guests, succeeded, partially failed or failed by the outcomes', () => {
    expect(runStatus([])).toBe('skipped');
    expect(runStatus([item('succeeded')])).toBe('succeeded');
    expect(runStatus([item('succeeded'), item('failed')])).toBe('partially_failed');
    expect(runStatus([item('failed')])).toBe('failed');
  });
});
