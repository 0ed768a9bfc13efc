import { data as answer } from '../api/client.ts';
import { useSession } from '../session-context.ts';
import { useLoad } from './use-load.ts';

/**
 * A guest as people know it, `web-01 (100)`, for screens that get only its id (a run's results,
 * failures): looked up in the inventory's first page, gone guests included; the id when unknown.
 */
export function useGuestNames(): (guestId: string) => string {
  const { api } = useSession();
  const guests = useLoad(
    () => answer(api.GET('/v1/guests', { params: { query: { limit: 200, includeGone: 'true' } } })),
    'guest-names',
  );
  const byId = new Map((guests.data?.items ?? []).map((guest) => [guest.id, guest]));
  return (guestId) => {
    const guest = byId.get(guestId);
    return guest ? `${guest.name || guest.id} (${guest.vmid})` : guestId;
  };
}
