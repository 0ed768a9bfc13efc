import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Guest } from '#shared/domain/guest.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { unprotectedGuests } from '#shared/domain/unprotected-guests.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const TAGS = ['prod', 'db', 'web'];

const guest = (vmid: number, fields: Pick<Guest, 'tags' | 'template' | 'gone'>): Guest => ({
  id: `cl.${vmid}`,
  tenantId: 't',
  clusterId: 'cl',
  vmid,
  type: 'qemu',
  node: 'pve1',
  name: `g${vmid}`,
  status: 'running',
  firstSeenAt: '',
  lastSeenAt: '',
  ...fields,
});
const byTags = (id: string, tags: string[], enabled: boolean): Policy =>
  ({
    id,
    enabled,
    selector: { guests: [], tags, pools: [], nodes: [], all: false, exclude: { guests: [], tags: [] } },
  }) as unknown as Policy;

const guestsArb = fc
  .array(
    fc.record({
      tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
      template: fc.boolean(),
      gone: fc.boolean(),
    }),
    { maxLength: 10 },
  )
  .map((all) => all.map((fields, index) => guest(100 + index, fields)));
const policiesArb = fc
  .array(
    fc.record({ tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }), enabled: fc.boolean() }),
    {
      maxLength: 3,
    },
  )
  .map((all) => all.map((p, index) => byTags(`pol${index}`, p.tags, p.enabled)));

describe('unprotected guests', () => {
  it('are the snapshottable guests no enabled policy selects', () => {
    fc.assert(
      fc.property(guestsArb, policiesArb, (guests, policies) => {
        const expected = guests.filter(
          (g) =>
            !g.template &&
            !g.gone &&
            !policies.some((p) => p.enabled && p.selector.tags.some((tag) => g.tags.includes(tag))),
        );
        expect(unprotectedGuests(guests, policies, [], NOW)).toEqual(expected);
      }),
    );
  });

  it('counts a guest excluded from its only policy as unprotected', () => {
    const db = guest(101, { tags: ['db'], template: false, gone: false });
    const exclusion = {
      id: 'exc',
      tenantId: 't',
      guestId: db.id,
      reason: 'migrating',
      createdAt: '',
      createdBy: 'x',
    };
    expect(unprotectedGuests([db], [byTags('pol', ['db'], true)], [], NOW)).toEqual([]);
    expect(unprotectedGuests([db], [byTags('pol', ['db'], true)], [exclusion], NOW)).toEqual([db]);
  });
});
