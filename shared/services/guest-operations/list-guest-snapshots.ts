import type { AuditContext } from '#shared/domain/audit.ts';
import { type GuestSnapshot, mergeGuestSnapshots, newestFirst } from '#shared/domain/guest-snapshots.ts';
import { requireGuest } from '../guest-reference.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { snapshotsOnProxmox } from './proxmox-snapshots.ts';

export interface GuestSnapshotPage {
  readonly items: GuestSnapshot[];
  readonly nextCursor?: string;
  /** Why Proxmox could not be read; the page then holds the records alone. */
  readonly proxmoxError?: string;
}

/**
 * Every snapshot of a guest, newest first, one page at a time:
 * 1. the guest (by id or `<cluster>/<vmid>`; 404 when unknown),
 * 2. its records and what Proxmox lists now (a gone guest has nothing there; an unreachable
 *    cluster leaves the records alone, with the reason),
 * 3. merged (each marked policy, manual or external) and cut at the cursor: the position of the
 *    last item returned (time and name), signed and bound to the tenant and guest, so a
 *    snapshot taken between pages neither repeats nor shifts an item.
 */
export async function listGuestSnapshots(
  deps: ServiceDeps,
  context: AuditContext,
  reference: string,
  page: { limit: number; cursor?: string },
): Promise<GuestSnapshotPage> {
  const tenantId = context.principal.tenantId;
  const guest = await requireGuest(deps, tenantId, reference);
  const scope = `guest-snapshots:${tenantId}:${guest.id}`;
  const after = page.cursor ? deps.store.table.cursors.decode(scope, page.cursor) : undefined;
  const records = await deps.store.snapshots.list(tenantId, guest.id);
  let proxmoxError: string | undefined;
  const listed = guest.gone
    ? []
    : await snapshotsOnProxmox(deps, guest).catch((error: unknown) => {
        proxmoxError = (error as Error).message;
        return undefined;
      });
  const all = mergeGuestSnapshots(guest.id, records, listed);
  const position = after ? { createdAt: String(after.t), name: String(after.n) } : undefined;
  const rest = position ? all.filter((item) => newestFirst(item, position) > 0) : all;
  const items = rest.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items,
    ...(rest.length > page.limit && last
      ? { nextCursor: deps.store.table.cursors.encode(scope, { t: last.createdAt, n: last.name }) }
      : {}),
    ...(proxmoxError !== undefined ? { proxmoxError } : {}),
  };
}
