import { humanBytes } from '../../../client/format.ts';
import { data as answer } from '../api/client.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { CapacityBar } from '../ui/capacity-bar.tsx';
import { ClusterOptions, ErrorMessage, Field, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { trendShape } from '../ui/trend-geometry.ts';
import { useLoad } from '../ui/use-load.ts';
import { UsagePanel } from './usage-panel.tsx';

const HEIGHT = 30;

/** Used against capacity, one point a day over 90 days, with the figures in words beside it. */
function Trend({ clusterId, storage }: { clusterId: string; storage: string }) {
  const { api } = useSession();
  const trend = useLoad(
    () =>
      answer(
        api.GET('/v1/clusters/{clusterId}/storages/{storage}/trend', {
          params: { path: { clusterId, storage }, query: { days: 90 } },
        }),
      ),
    `${clusterId}/${storage}`,
  );
  if (trend.error) return <ErrorMessage error={trend.error} />;
  if (!trend.data) return <Loading what="the trend" />;
  // A shared storage has one point a day ('*'); a local one a point per node and day: summed.
  const byDay = new Map<string, { day: string; used: number; total: number }>();
  for (const point of trend.data.points) {
    const day = byDay.get(point.day) ?? { day: point.day, used: 0, total: 0 };
    byDay.set(point.day, { day: point.day, used: day.used + point.used, total: day.total + point.total });
  }
  const days = [...byDay.values()];
  const shape = trendShape(days, HEIGHT);
  const first = days[0];
  const last = days.at(-1);
  return (
    <figure class="chart" data-testid="storage-trend">
      <figcaption>
        {storage}: used and capacity, last {days.length} day{days.length === 1 ? '' : 's'}
      </figcaption>
      {first && last ? (
        <>
          <svg
            viewBox={`0 0 100 ${HEIGHT}`}
            preserveAspectRatio="none"
            class="columns"
            role="img"
            aria-label={`${humanBytes(first.used)} used on ${first.day}, ${humanBytes(last.used)} of ${humanBytes(last.total)} on ${last.day}`}
          >
            <polyline points={shape.total} fill="none" stroke="#57606a" stroke-width="0.6" />
            <polyline points={shape.used} fill="none" stroke="#0b5cad" stroke-width="1" />
          </svg>
          <ul class="legend">
            <li>
              <span class="swatch" style={{ background: '#0b5cad' }} />
              used: {humanBytes(first.used)} on {first.day} → {humanBytes(last.used)} on {last.day}
            </li>
            <li>
              <span class="swatch" style={{ background: '#57606a' }} />
              capacity: {humanBytes(last.total)}
            </li>
          </ul>
        </>
      ) : (
        <p class="muted">No daily figures yet: the next inventory sync records the first.</p>
      )}
    </figure>
  );
}

/** A cluster's storages as the last sync saw them: fill, the service's archives, the guard, the trend. */
export function StorageScreen() {
  const { api } = useSession();
  const { query } = useLocation();
  const clusters = useLoad(
    () => answer(api.GET('/v1/clusters', { params: { query: { limit: 100 } } })),
    'clusters',
  );
  const clusterId = query.get('cluster') ?? clusters.data?.items[0]?.id;
  const storages = useLoad(
    () =>
      clusterId
        ? answer(api.GET('/v1/clusters/{clusterId}/storages', { params: { path: { clusterId } } }))
        : Promise.resolve({ items: [] }),
    clusterId ?? '',
  );
  const items = storages.data?.items ?? [];
  const chosen = query.get('storage') ?? items.find((item) => item.active)?.storage;
  const go = (cluster: string, storage?: string) =>
    navigate(
      `/storage?cluster=${encodeURIComponent(cluster)}${storage ? `&storage=${encodeURIComponent(storage)}` : ''}`,
      { replace: true },
    );
  return (
    <section>
      <h1 tabIndex={-1}>Storage and usage</h1>
      <UsagePanel />
      <h2>Storages</h2>
      <ErrorMessage error={clusters.error ?? storages.error} />
      {!clusters.data ? (
        <Loading what="clusters" />
      ) : clusters.data.items.length === 0 || !clusterId ? (
        <p>
          No cluster yet: <Link href="/settings">register one</Link>.
        </p>
      ) : (
        <>
          <Field label="Cluster">
            {({ id }) => (
              <select id={id} value={clusterId} onChange={(event) => go(event.currentTarget.value)}>
                <ClusterOptions clusters={clusters.data?.items} />
              </select>
            )}
          </Field>
          {!storages.data ? (
            <Loading what="storages" />
          ) : items.length === 0 ? (
            <p>No storages seen yet: they are listed by the next inventory sync.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Storage</th>
                  <th scope="col">Node</th>
                  <th scope="col">Type</th>
                  <th scope="col">Content</th>
                  <th scope="col">Capacity</th>
                  <th scope="col">This service’s backups</th>
                  <th scope="col">Guard</th>
                  <th scope="col">Trend</th>
                </tr>
              </thead>
              <tbody>
                {items.map((storage) => (
                  <tr key={`${storage.storage}/${storage.node}`}>
                    <th scope="row">{storage.storage}</th>
                    <td>{storage.node === '*' ? `shared (${storage.nodes.join(', ')})` : storage.node}</td>
                    <td>{storage.type}</td>
                    <td>{storage.content.join(', ')}</td>
                    <td>
                      <CapacityBar storage={storage} />
                    </td>
                    <td>
                      {storage.serviceUsage.backups} archive{storage.serviceUsage.backups === 1 ? '' : 's'},{' '}
                      {humanBytes(storage.serviceUsage.backupBytes)}
                    </td>
                    <td>
                      {storage.guard ? (
                        <>
                          <StatusBadge status="failed" /> over {storage.guard.thresholdPercent} % since{' '}
                          <Time at={storage.guard.since} />
                        </>
                      ) : (
                        <span class="muted">–</span>
                      )}
                    </td>
                    <td>
                      <button
                        type="button"
                        class="secondary"
                        aria-pressed={chosen === storage.storage}
                        onClick={() => go(clusterId, storage.storage)}
                      >
                        Trend of {storage.storage}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {chosen ? <Trend clusterId={clusterId} storage={chosen} /> : null}
          {items[0] ? (
            <p class="muted">
              As the inventory sync saw them at <Time at={items[0].syncedAt} />.
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
