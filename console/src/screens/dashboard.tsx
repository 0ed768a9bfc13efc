import { data as answer } from '../api/client.ts';
import type { Operation, Run, RunWithResults } from '../api/types.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { useGuestNames } from '../ui/guest-names.ts';
import { useLoad } from '../ui/use-load.ts';
import { ProtectionOverview } from './protection-overview.tsx';
import { RunsTable } from './runs.tsx';
import { StorageSummary } from './storage-summary.tsx';

const FAILED = new Set(['failed', 'partially_failed']);

interface Overview {
  runs: Run[];
  guests: { count: number; more: boolean };
  policies: { count: number; more: boolean };
  clusters: number;
  failures: Array<{ run: Run; result: RunWithResults['results'][number] }>;
  failedOperations: Operation[];
}

/** What an operator checks first: recent runs, what failed and why (Proxmox's words), how much there is. */
export function DashboardScreen() {
  const { api } = useSession();
  const overview = useLoad<Overview>(
    async () => {
      const [runs, guests, policies, clusters, operations] = await Promise.all([
        answer(api.GET('/v1/runs', { params: { query: { limit: 10 } } })),
        answer(api.GET('/v1/guests', { params: { query: { limit: 200 } } })),
        answer(api.GET('/v1/policies', { params: { query: { limit: 100 } } })),
        answer(api.GET('/v1/clusters', { params: { query: { limit: 100 } } })),
        answer(api.GET('/v1/operations', { params: { query: { status: 'failed', limit: 5 } } })),
      ]);
      const failedRuns = runs.items.filter((run) => FAILED.has(run.status)).slice(0, 3);
      const details = await Promise.all(
        failedRuns.map((run) => answer(api.GET('/v1/runs/{runId}', { params: { path: { runId: run.id } } }))),
      );
      return {
        runs: runs.items,
        guests: { count: guests.items.length, more: Boolean(guests.nextCursor) },
        policies: { count: policies.items.length, more: Boolean(policies.nextCursor) },
        clusters: clusters.items.length,
        failures: details.flatMap((run) =>
          run.results.filter((result) => result.outcome === 'failed').map((result) => ({ run, result })),
        ),
        failedOperations: operations.items,
      };
    },
    'dashboard',
    { pollMs: 3000, poll: (data) => data.runs.some((run) => run.status === 'running') },
  );
  const guestName = useGuestNames();
  const data = overview.data;
  return (
    <section>
      <h1 tabIndex={-1}>Dashboard</h1>
      <ErrorMessage error={overview.error} />
      {!data ? (
        <Loading what="the overview" />
      ) : (
        <>
          <ul class="cards" aria-label="Counts">
            <li class="card">
              <span class="figure">{data.clusters}</span> <Link href="/settings">clusters</Link>
            </li>
            <li class="card">
              <span class="figure">
                {data.guests.count}
                {data.guests.more ? '+' : ''}
              </span>{' '}
              <Link href="/guests">guests</Link>
            </li>
            <li class="card">
              <span class="figure">
                {data.policies.count}
                {data.policies.more ? '+' : ''}
              </span>{' '}
              <Link href="/policies">policies</Link>
            </li>
            <li class="card">
              <span class="figure">{data.runs.filter((run) => run.status === 'running').length}</span> runs in
              progress
            </li>
          </ul>
          <ProtectionOverview />
          <StorageSummary />
          <h2>Last runs</h2>
          {data.runs.length === 0 ? (
            <p>
              No runs yet. <Link href="/policies">Run a policy</Link> to take the first snapshots.
            </p>
          ) : (
            <RunsTable runs={data.runs} />
          )}
          <h2>Failures</h2>
          {data.failures.length === 0 && data.failedOperations.length === 0 ? (
            <p>No failures in the last runs.</p>
          ) : (
            <table>
              <caption class="visually-hidden">Failed guests and operations, with Proxmox's text</caption>
              <thead>
                <tr>
                  <th scope="col">What</th>
                  <th scope="col">Guest</th>
                  <th scope="col">When</th>
                  <th scope="col">Proxmox said</th>
                </tr>
              </thead>
              <tbody>
                {data.failures.map(({ run, result }) => (
                  <tr key={`${run.id}:${result.guestId}`}>
                    <td>
                      <Link href={`/runs/${encodeURIComponent(run.id)}`}>{run.policyName}</Link>{' '}
                      <StatusBadge status={run.status} />
                    </td>
                    <td>
                      <Link href={`/guests/${encodeURIComponent(result.guestId)}`}>
                        {guestName(result.guestId)}
                      </Link>
                    </td>
                    <td>
                      <Time at={result.finishedAt} />
                    </td>
                    <td class="proxmox-text">{result.error}</td>
                  </tr>
                ))}
                {data.failedOperations.map((operation) => (
                  <tr key={operation.id}>
                    <td>
                      {operation.kind} {operation.snapshotName} <StatusBadge status={operation.status} />
                    </td>
                    <td>
                      <Link href={`/guests/${encodeURIComponent(operation.guestId)}`}>
                        {guestName(operation.guestId)}
                      </Link>
                    </td>
                    <td>
                      <Time at={operation.finishedAt ?? operation.createdAt} />
                    </td>
                    <td class="proxmox-text">{operation.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
