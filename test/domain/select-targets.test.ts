import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { selectTargets } from '#shared/domain/select-targets.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const TAGS = ['prod', 'db', 'web', 'ci'];
const guestArb = (vmid: number) =>
  fc
    .record({
      tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
      node: fc.constantFrom('pve1', 'pve2'),
      pool: fc.option(fc.constantFrom('p1', 'p2'), { nil: undefined }),
      template: fc.boolean(),
      gone: fc.boolean(),
    })
    .map(
      (g): Guest => ({
        id: `cl.${vmid}`,
        tenantId: 't',
        clusterId: 'cl',
        vmid,
        type: 'qemu',
        node: g.node,
        name: `g${vmid}`,
        status: 'running',
        template: g.template,
        tags: g.tags,
        ...(g.pool ? { pool: g.pool } : {}),
        gone: g.gone,
        firstSeenAt: '',
        lastSeenAt: '',
      }),
    );
const guestsArb = fc
  .integer({ min: 0, max: 12 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => guestArb(100 + i))));
const selectorArb = fc.record({
  guests: fc.uniqueArray(
    fc.integer({ min: 100, max: 112 }).map((v) => `cl.${v}`),
    { maxLength: 3 },
  ),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
  pools: fc.uniqueArray(fc.constantFrom('p1', 'p2'), { maxLength: 1 }),
  nodes: fc.uniqueArray(fc.constantFrom('pve1', 'pve2'), { maxLength: 1 }),
  all: fc.boolean(),
  exclude: fc.record({
    guests: fc.uniqueArray(
      fc.integer({ min: 100, max: 112 }).map((v) => `cl.${v}`),
      { maxLength: 2 },
    ),
    tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 1 }),
  }),
});
const exclusionsArb = fc.array(
  fc
    .record({
      vmid: fc.integer({ min: 100, max: 112 }),
      forThisPolicy: fc.boolean(),
      expired: fc.boolean(),
    })
    .map(
      (e): Exclusion => ({
        id: `exc_${e.vmid}_${e.forThisPolicy}_${e.expired}`,
        tenantId: 't',
        guestId: `cl.${e.vmid}`,
        ...(e.forThisPolicy ? { policyId: 'pol' } : {}),
        reason: 'r',
        expiresAt: new Date(NOW + (e.expired ? -1000 : 1000)).toISOString(),
        createdAt: '',
        createdBy: 'x',
      }),
    ),
  { maxLength: 4 },
);
const policyWith = (selector: Policy['selector']): Policy => ({ id: 'pol', selector }) as Policy;

describe('target selection', () => {
  it('partitions the guests into targets and left-out guests, each with a reason', () => {
    fc.assert(
      fc.property(guestsArb, selectorArb, exclusionsArb, (guests, selector, exclusions) => {
        const { targets, left } = selectTargets(policyWith(selector), guests, exclusions, NOW);
        expect([...targets.map((g) => g.id), ...left.map((l) => l.guest.id)].sort()).toEqual(
          guests.map((g) => g.id).sort(),
        );
        for (const target of targets) {
          expect(target.template || target.gone).toBe(false);
          expect(selector.exclude.guests).not.toContain(target.id);
          expect(target.tags.some((tag) => selector.exclude.tags.includes(tag))).toBe(false);
          const active = exclusions.filter(
            (e) => e.guestId === target.id && Date.parse(e.expiresAt ?? '') > NOW,
          );
          expect(active).toEqual([]);
        }
      }),
    );
  });

  it('never loses a target by selecting more, and never gains one by excluding more', () => {
    fc.assert(
      fc.property(
        guestsArb,
        selectorArb,
        exclusionsArb,
        fc.constantFrom(...TAGS),
        (guests, selector, exclusions, tag) => {
          const ids = (s: Policy['selector']) =>
            selectTargets(policyWith(s), guests, exclusions, NOW).targets.map((g) => g.id);
          const base = ids(selector);
          const wider = ids({ ...selector, tags: [...new Set([...selector.tags, tag])] });
          for (const id of base) expect(wider).toContain(id);
          const narrower = ids({
            ...selector,
            exclude: { ...selector.exclude, tags: [...new Set([...selector.exclude.tags, tag])] },
          });
          for (const id of narrower) expect(base).toContain(id);
        },
      ),
    );
  });

  it('stops applying an exclusion once it expires', () => {
    fc.assert(
      fc.property(guestArb(100), (guest) => {
        const live = { ...guest, template: false, gone: false };
        const exclusion: Exclusion = {
          id: 'e',
          tenantId: 't',
          guestId: live.id,
          reason: 'r',
          expiresAt: new Date(NOW + 1).toISOString(),
          createdAt: '',
          createdBy: 'x',
        };
        const policy = policyWith({
          guests: [live.id],
          tags: [],
          pools: [],
          nodes: [],
          all: false,
          exclude: { guests: [], tags: [] },
        });
        expect(selectTargets(policy, [live], [exclusion], NOW).targets).toEqual([]);
        expect(selectTargets(policy, [live], [exclusion], NOW + 1).targets).toEqual([live]);
      }),
    );
  });
});
