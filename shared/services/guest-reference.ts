import { type FieldIssue, NotFoundError, UnknownReferenceError } from '#shared/domain/errors.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { formatGuestId, parseGuestReference } from '#shared/domain/guest-id.ts';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import type { ServiceDeps } from './service-deps.ts';

/**
 * The one resolver of guest references: every entry point that takes a guest (path, query,
 * body) passes what the user wrote through here, so `lab/101` and the canonical id mean the
 * same guest everywhere and only the canonical id is ever stored or returned.
 */

/** A cluster named by id or by name (names compare case-insensitively); undefined for an unknown name. */
export async function resolveClusterId(
  deps: ServiceDeps,
  tenantId: string,
  reference: string,
): Promise<string | undefined> {
  const byName = async () => (await deps.store.clusters.getByName(tenantId, reference))?.id;
  if (!ID_PATTERN.test(reference)) return await byName();
  if (await deps.store.clusters.get(tenantId, reference)) return reference;
  // A deleted cluster's id still names its guests, kept in the inventory as gone.
  return (await byName()) ?? reference;
}

/** The guest a reference names, gone ones included; undefined when the inventory does not know it. */
export async function findGuest(
  deps: ServiceDeps,
  tenantId: string,
  reference: string,
): Promise<Guest | undefined> {
  const parsed = parseGuestReference(reference);
  if (!parsed) return undefined;
  const clusterId =
    parsed.kind === 'id'
      ? parsed.clusterId
      : (await deps.store.clusters.getByName(tenantId, parsed.clusterName))?.id;
  return clusterId ? deps.store.guests.get(tenantId, clusterId, parsed.vmid) : undefined;
}

/** Like {@link findGuest}, but an unknown guest is a 404 (the reference is the resource). */
export async function requireGuest(deps: ServiceDeps, tenantId: string, reference: string): Promise<Guest> {
  const guest = await findGuest(deps, tenantId, reference);
  if (!guest) throw new NotFoundError('guest', reference);
  return guest;
}

/**
 * The canonical id of the guest a filter names, or undefined when no such guest exists (a
 * list filtered by it is then empty).
 */
export async function guestFilter(
  deps: ServiceDeps,
  tenantId: string,
  reference: string,
): Promise<{ guestId: string } | { unknown: true }> {
  const parsed = parseGuestReference(reference);
  if (parsed?.kind === 'id') return { guestId: formatGuestId(parsed) };
  const guest = await findGuest(deps, tenantId, reference);
  return guest ? { guestId: guest.id } : { unknown: true };
}

/**
 * Canonical ids for guest references in a request body (`path` names each field). Every
 * reference the inventory does not know is reported at once, in one 422; references in
 * `known` (already stored, e.g. by an earlier version of the policy) pass unchecked, so a
 * guest that left the inventory does not block unrelated changes.
 */
export async function canonicalGuestIds(
  deps: ServiceDeps,
  tenantId: string,
  references: ReadonlyArray<{ readonly path: string; readonly value: string }>,
  known: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const issues: FieldIssue[] = [];
  const ids = await Promise.all(
    references.map(async ({ path, value }) => {
      if (known.has(value)) return value;
      const guest = await findGuest(deps, tenantId, value);
      if (!guest) {
        issues.push({
          path,
          rule: 'reference.exists',
          message: `no guest '${value}' in the inventory (sync its cluster if the guest is new)`,
        });
        return value;
      }
      return guest.id;
    }),
  );
  if (issues.length > 0) {
    issues.sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true }));
    throw new UnknownReferenceError(issues);
  }
  return ids;
}
