import { useState } from 'preact/hooks';
import { data as answer, present } from '../api/client.ts';
import type { Guest } from '../api/types.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ClusterOptions, ErrorMessage, Field, Loading, StatusBadge } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';
import { LoadMore, usePaged } from '../ui/use-paged.tsx';

const FILTERS = ['cluster', 'node', 'tag', 'pool'] as const;
type Filter = (typeof FILTERS)[number];

/** The inventory, filtered by the API (cluster, node, tag, pool); the filters live in the URL. */
export function GuestsScreen() {
  const { api } = useSession();
  const { query } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ''])) as Record<
    Filter,
    string
  >;
  const [draft, setDraft] = useState(filters);
  const clusters = useLoad(
    () => answer(api.GET('/v1/clusters', { params: { query: { limit: 100 } } })),
    'clusters',
  );
  const key = FILTERS.map((name) => filters[name]).join('|');
  const guests = usePaged(
    (cursor) =>
      answer(
        api.GET('/v1/guests', {
          params: { query: { ...present(filters), limit: 100, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    key,
  );
  const clusterName = (id: string) => clusters.data?.items.find((cluster) => cluster.id === id)?.name ?? id;
  const all = guests.items;
  const choices = (pick: (guest: Guest) => string[]) => [...new Set(all.flatMap(pick))].sort();

  const apply = (event: Event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const name of FILTERS) if (draft[name].trim()) params.set(name, draft[name].trim());
    navigate(`/guests${params.size ? `?${params}` : ''}`);
  };
  const text = (name: Filter, label: string, list: string[]) => (
    <Field label={label}>
      {({ id }) => (
        <>
          <input
            id={id}
            list={`${id}-choices`}
            value={draft[name]}
            onInput={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })}
          />
          <datalist id={`${id}-choices`}>
            {list.map((value) => (
              <option key={value} value={value} />
            ))}
          </datalist>
        </>
      )}
    </Field>
  );

  return (
    <section>
      <h1 tabIndex={-1}>Guests</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter guests">
        <Field label="Cluster">
          {({ id }) => (
            <select
              id={id}
              value={draft.cluster}
              onChange={(event) => setDraft({ ...draft, cluster: event.currentTarget.value })}
            >
              <option value="">all</option>
              <ClusterOptions clusters={clusters.data?.items} />
            </select>
          )}
        </Field>
        {text(
          'node',
          'Node',
          choices((guest) => [guest.node]),
        )}
        {text(
          'tag',
          'Tag',
          choices((guest) => guest.tags),
        )}
        {text(
          'pool',
          'Pool',
          choices((guest) => (guest.pool ? [guest.pool] : [])),
        )}
        <button type="submit">Filter</button>
      </form>
      <ErrorMessage error={guests.first.error} />
      {!guests.first.data ? (
        <Loading what="guests" />
      ) : all.length === 0 ? (
        <p>No guests match. Guests appear once a cluster is registered (Settings) and synced.</p>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Guest</th>
                <th scope="col">VMID</th>
                <th scope="col">Cluster</th>
                <th scope="col">Node</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Tags</th>
                <th scope="col">Pool</th>
              </tr>
            </thead>
            <tbody>
              {all.map((guest) => (
                <tr key={guest.id}>
                  <td>
                    <Link href={`/guests/${encodeURIComponent(guest.id)}`}>{guest.name || guest.id}</Link>
                    {guest.template ? <small class="muted"> template</small> : null}
                  </td>
                  <td>{guest.vmid}</td>
                  <td>{clusterName(guest.clusterId)}</td>
                  <td>{guest.node}</td>
                  <td>{guest.type === 'qemu' ? 'VM' : 'container'}</td>
                  <td>
                    <StatusBadge status={guest.status} />
                    {guest.lock ? <small class="muted"> locked ({guest.lock})</small> : null}
                  </td>
                  <td>{guest.tags.join(', ')}</td>
                  <td>{guest.pool ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <LoadMore paged={guests} />
        </>
      )}
    </section>
  );
}
