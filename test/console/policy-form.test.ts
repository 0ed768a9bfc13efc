import { describe, expect, it } from 'vitest';
import type { Policy } from '../../console/src/api/types.ts';
import {
  describeRetention,
  emptyForm,
  formFromPolicy,
  liveCheckBody,
  policyBody,
  withKind,
} from '../../console/src/screens/policy-form.ts';

describe('the policy editor for backup policies', () => {
  it('sends a backup policy with its vzdump options and no snapshot options', () => {
    const form = {
      ...withKind({ ...emptyForm(), name: 'nightly-backup', tags: 'prod' }, 'backup'),
      storage: 'backup-nfs',
    };
    const body = policyBody(form);
    expect(body).toMatchObject({
      kind: 'backup',
      backup: { storage: 'backup-nfs', mode: 'snapshot', compress: 'zstd', protected: false },
      concurrency: { perNode: 1 },
    });
    expect(body).not.toHaveProperty('snapshot');
  });

  it('keeps a per-node value the user typed when the kind changes, and follows the default otherwise', () => {
    expect(withKind(emptyForm(), 'backup').perNode).toBe('1');
    expect(withKind({ ...emptyForm(), perNode: '4' }, 'backup').perNode).toBe('4');
  });

  it('removes the backup options when a backup policy becomes a snapshot policy (merge patch)', () => {
    const policy = {
      id: 'pol_1',
      name: 'b',
      kind: 'backup',
      backup: { storage: 'backup-nfs', notesTemplate: '{{vmid}}' },
      schedule: { cron: '0 3 * * *', timezone: 'UTC' },
      selector: { all: true },
      schedulerExpression: 'cron(0 3 * * ? *)',
      createdAt: '2026-11-30T00:00:00Z',
      updatedAt: '2026-11-30T00:00:00Z',
      version: 1,
    } satisfies Policy;
    const form = formFromPolicy(policy);
    expect(form).toMatchObject({
      kind: 'backup',
      storage: 'backup-nfs',
      notesTemplate: '{{vmid}}',
      perNode: '1',
    });
    expect(policyBody(withKind(form, 'snapshot'), true)).toMatchObject({ kind: 'snapshot', backup: null });
    expect(policyBody({ ...form, notesTemplate: '' }, true)).toMatchObject({
      backup: { notesTemplate: null },
    });
  });
});

describe('the policy editor\u2019s live check', () => {
  it('gives an empty name and an empty selector the user has not gone to a stand-in, so the schedule is checked', () => {
    const body = liveCheckBody({ ...emptyForm(), cron: '0 0 31 2 *' }, new Set(['schedule.cron']));
    expect(body).toMatchObject({ name: 'draft', schedule: { cron: '0 0 31 2 *' }, selector: { all: true } });
  });

  it('sends what was typed once the user has been to the field, so the API names its mistake', () => {
    const body = liveCheckBody(emptyForm(), new Set(['name', 'selector.tags']));
    expect(body.name).toBe('');
    expect(body.selector).toMatchObject({ all: false, tags: [] });
  });

  it('sends the name and selector typed, unchanged', () => {
    const form = { ...emptyForm(), name: 'nightly', tags: 'web, db' };
    expect(liveCheckBody(form, new Set())).toEqual(policyBody(form));
  });
});

describe('a policy\u2019s retention in words', () => {
  it('names each rule in the editor\u2019s order, and says when everything is kept', () => {
    expect(describeRetention({ keepWeekly: 4, keepLast: 3, keepDaily: 7, maxAgeDays: 90 })).toBe(
      'keeps the last 3, 7 daily, 4 weekly, none older than 90 days',
    );
    expect(describeRetention({ keepWithinDays: 2 })).toBe('keeps all within 2 days');
    expect(describeRetention({})).toBe('keeps everything');
    expect(describeRetention(undefined)).toBe('keeps everything');
  });
});
