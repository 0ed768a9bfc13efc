import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { unprotectedGuests } from '#shared/domain/unprotected-guests.ts';
import type { ServiceDeps } from './service-deps.ts';

/**
 * Publishes `guest.unprotected` for each guest an inventory sync found for the first time and no
 * enabled policy covers, if the tenant opted in. Only new guests: a guest is reported once, when
 * it appears, not on every sync.
 */
export async function reportUnprotectedGuests(
  deps: ServiceDeps,
  tenantId: string,
  newGuests: readonly Guest[],
): Promise<void> {
  if (newGuests.length === 0) return;
  const profile = await deps.store.tenants.get(tenantId);
  if (!profile?.unprotectedGuestEvents) return;
  const [policies, exclusions] = await Promise.all([
    readAllPages<Policy>((cursor) =>
      deps.store.policies.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
    ),
    readAllPages<Exclusion>((cursor) =>
      deps.store.exclusions.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
    ),
  ]);
  const now = deps.now();
  const events = unprotectedGuests(newGuests, policies, exclusions, now).map((guest) =>
    domainEvent({
      tenantId,
      type: 'guest.unprotected',
      // The guest alone: a sync retried after a failed write publishes the same event again.
      subject: guest.id,
      time: now,
      data: {
        guestId: guest.id,
        clusterId: guest.clusterId,
        vmid: guest.vmid,
        name: guest.name,
        node: guest.node,
        type: guest.type,
        tags: guest.tags,
      },
    }),
  );
  if (events.length > 0) await deps.events.publish(events);
}
