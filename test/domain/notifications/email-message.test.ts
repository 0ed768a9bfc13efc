import { describe, expect, it } from 'vitest';
import { emailFor, guestLabel } from '#shared/domain/notifications/email-message.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';

const CLUSTER = 'cl_01JD0000000000000000000001';
const names = new Map([
  [`${CLUSTER}.101`, 'web01'],
  [`${CLUSTER}.102`, 'db01'],
]);
const context = { apiUrl: 'https://snapshots.example.com', guestNames: names };

describe('notification emails', () => {
  it('name guests by name and vmid, and by vmid when the inventory has no name', () => {
    expect(guestLabel({ guestId: `${CLUSTER}.101`, vmid: 101 }, names)).toBe('web01 (101)');
    expect(guestLabel({ guestId: `${CLUSTER}.102` }, names)).toBe('db01 (102)');
    expect(guestLabel({ guestId: `${CLUSTER}.103`, vmid: 103 }, names)).toBe('103');
  });

  it('list a run\u2019s failures by guest name, say how to read the run and link only to what opens without a token', () => {
    const mail = emailFor(
      domainEvent({
        tenantId: 'acme',
        type: 'run.partially_failed',
        subject: 'run_1',
        time: 0,
        data: {
          runId: 'run_1',
          policyName: 'nightly',
          status: 'partial',
          targets: 3,
          succeeded: 1,
          failed: 2,
          failures: [
            { guestId: `${CLUSTER}.101`, vmid: 101, node: 'pve1', error: 'out of space' },
            { guestId: `${CLUSTER}.103`, vmid: 103, node: 'pve2', error: '<locked>' },
          ],
        },
      }),
      context,
    );
    expect(mail.subject).toBe('[nightly] run failed on 2 of 3 guests');
    expect(mail.text).toContain('- web01 (101) on pve1: out of space');
    expect(mail.text).toContain('- 103 on pve2: <locked>');
    expect(mail.text).not.toContain(CLUSTER);
    expect(mail.text).toContain(
      'curl -H "Authorization: Bearer $TOKEN" https://snapshots.example.com/v1/runs/run_1',
    );
    expect(mail.html).toContain('<td>web01 (101)</td>');
    expect(mail.html).toContain('&#60;locked&#62;');
    expect([...mail.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'https://snapshots.example.com/docs',
    ]);
  });

  it('name the guest in the subject of guest events', () => {
    const event = (
      type: 'snapshot.failed' | 'lock.stuck' | 'snapshot.deleted' | 'restore.failed',
      data: object,
    ) =>
      emailFor(domainEvent({ tenantId: 'acme', type, subject: type, time: 0, data: { ...data } }), context);
    expect(
      event('snapshot.failed', {
        policyName: 'nightly',
        guestId: `${CLUSTER}.101`,
        vmid: 101,
        snapshotName: 's1',
      }).subject,
    ).toBe('[nightly] snapshot failed on guest web01 (101)');
    expect(
      event('lock.stuck', { guestId: `${CLUSTER}.102`, vmid: 102, node: 'pve2', lock: 'backup', since: 'x' })
        .subject,
    ).toBe('[pve-snapshots] guest db01 (102) locked (backup) since x');
    const deleted = event('snapshot.deleted', {
      guestId: `${CLUSTER}.101`,
      vmid: 101,
      snapshotName: 'auto-1',
    });
    expect(deleted.subject).toBe('[pve-snapshots] snapshot deleted on guest web01 (101)');
    expect(deleted.text).toContain(`https://snapshots.example.com/v1/guests/${CLUSTER}.101/snapshots/auto-1`);
    const restore = event('restore.failed', {
      guestId: `${CLUSTER}.102`,
      operationId: 'op_1',
      snapshotName: 's',
    });
    expect(restore.subject).toBe('[pve-snapshots] restore failed on guest db01 (102)');
    expect(restore.text).toContain('https://snapshots.example.com/v1/operations/op_1');
  });

  it('say which new guest no policy covers, and how to read it', () => {
    const mail = emailFor(
      domainEvent({
        tenantId: 'acme',
        type: 'guest.unprotected',
        subject: `${CLUSTER}.101`,
        time: 0,
        data: { guestId: `${CLUSTER}.101`, vmid: 101, node: 'pve1', type: 'qemu' },
      }),
      context,
    );
    expect(mail.subject).toBe('[pve-snapshots] new guest web01 (101) is covered by no policy');
    expect(mail.text).toContain('qemu on pve1');
    expect(mail.text).toContain(`https://snapshots.example.com/v1/guests/${CLUSTER}.101`);
  });
});
