import { data as answer } from '../api/client.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { CapacityBar } from '../ui/capacity-bar.tsx';
import { ErrorMessage, Loading } from '../ui/components.tsx';
import { usedShare } from '../ui/trend-geometry.ts';
import { useLoad } from '../ui/use-load.ts';

/** How many storages the dashboard shows: the fullest; the Storage screen lists them all. */
const SHOWN = 5;

/** The fullest storages of the tenant's clusters, as the last inventory sync saw them. */
export function StorageSummary() {
  const { api } = useSession();
  const fullest = useLoad(async () => {
    const clusters = await answer(api.GET('/v1/clusters', { params: { query: { limit: 100 } } }));
    const perCluster = await Promise.all(
      clusters.items.map(async (cluster) => {
        const storages = await answer(
          api.GET('/v1/clusters/{clusterId}/storages', { params: { path: { clusterId: cluster.id } } }),
        );
        return storages.items.filter((storage) => storage.active).map((storage) => ({ cluster, storage }));
      }),
    );
    const share = ({ storage }: (typeof perCluster)[number][number]) =>
      usedShare(storage.used, storage.total);
    return perCluster
      .flat()
      .sort((a, b) => share(b) - share(a))
      .slice(0, SHOWN);
  }, 'storage-summary');
  return (
    <section aria-labelledby="storage-summary" data-testid="storage-summary">
      <h2 id="storage-summary">Storage</h2>
      <ErrorMessage error={fullest.error} />
      {!fullest.data ? (
        fullest.error ? null : (
          <Loading what="storages" />
        )
      ) : fullest.data.length === 0 ? (
        <p>No storages seen yet: the next inventory sync lists them.</p>
      ) : (
        <table>
          <caption class="visually-hidden">The fullest storages, fullest first</caption>
          <thead>
            <tr>
              <th scope="col">Storage</th>
              <th scope="col">Cluster</th>
              <th scope="col">Node</th>
              <th scope="col">Used</th>
            </tr>
          </thead>
          <tbody>
            {fullest.data.map(({ cluster, storage }) => (
              <tr key={`${cluster.id}/${storage.storage}/${storage.node}`}>
                <th scope="row">
                  <Link
                    href={`/storage?cluster=${encodeURIComponent(cluster.id)}&storage=${encodeURIComponent(storage.storage)}`}
                  >
                    {storage.storage}
                  </Link>
                </th>
                <td>{cluster.name}</td>
                <td>{storage.node === '*' ? 'shared' : storage.node}</td>
                <td>
                  <CapacityBar storage={storage} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <Link href="/storage">All storages, their trends and the plan’s quotas</Link>
      </p>
    </section>
  );
}
