import { describe, expect, it } from 'vitest';
import type { Policy, RestoreTestItem } from '../../console/src/api/types.ts';
import {
  EMPTY_RESTORE_TEST_FORM,
  linksDown,
  pointText,
  restoreTestBody,
} from '../../console/src/screens/restore-test-form.ts';

const policy = { id: 'pol_1', name: 'prod', selector: { tags: ['prod'], exclude: { tags: ['scratch'] } } };

describe('the new-restore-test form', () => {
  it('sends the guests named one by one, with the schedule, the source and the numbers typed', () => {
    const body = restoreTestBody(
      { ...EMPTY_RESTORE_TEST_FORM, name: ' weekly ', guests: 'lab/100, lab/200 lab/300', sample: '2' },
      [],
    );
    expect(body).toEqual({
      name: 'weekly',
      schedule: { cron: '0 4 * * 0', timezone: 'UTC' },
      source: 'snapshot',
      selector: { guests: ['lab/100', 'lab/200', 'lab/300'] },
      sample: 2,
      bootTimeoutSeconds: 300,
    });
  });

  it('copies the chosen policy’s selector, and leaves empty numbers out for the API’s defaults', () => {
    const body = restoreTestBody(
      { ...EMPTY_RESTORE_TEST_FORM, from: 'policy', policyId: 'pol_1', source: 'backup', bootTimeout: '' },
      [policy as unknown as Policy],
    );
    expect(body.selector).toEqual(policy.selector);
    expect(body.source).toBe('backup');
    expect(body).not.toHaveProperty('sample');
    expect(body).not.toHaveProperty('bootTimeoutSeconds');
  });

  it('sends an empty selector when no policy is chosen, so the API names the field', () => {
    expect(restoreTestBody({ ...EMPTY_RESTORE_TEST_FORM, from: 'policy' }, []).selector).toEqual({
      guests: [],
    });
  });

  it('says which point a guest was tested from and which links were down', () => {
    const item = {
      point: { kind: 'backup', volid: 'backup-nfs:backup/vzdump-lxc-200.tar.zst' },
      isolation: { net1: 'x,link_down=1', net0: 'y,link_down=1' },
    } as unknown as RestoreTestItem;
    expect(pointText(item)).toBe('backup backup-nfs:backup/vzdump-lxc-200.tar.zst');
    expect(linksDown(item)).toEqual(['net0', 'net1']);
    expect(pointText({} as RestoreTestItem)).toBe('–');
  });
});
