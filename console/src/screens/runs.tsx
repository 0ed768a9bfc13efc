import { useState } from 'preact/hooks';
import { data as answer, present } from '../api/client.ts';
import type { Run } from '../api/types.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Field, Loading, Progress, StatusBadge, Time } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';

const STATUSES: Run['status'][] = [
  'running',
  'succeeded',
  'partially_failed',
  'failed',
  'skipped',
  'cancelled',
];

export function RunsTable({ runs }: { runs: Run[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Policy</th>
          <th scope="col">Status</th>
          <th scope="col">Trigger</th>
          <th scope="col">Scheduled</th>
          <th scope="col">Guests</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <Link href={`/runs/${encodeURIComponent(run.id)}`}>{run.policyName}</Link>
            </td>
            <td>
              <StatusBadge status={run.status} />
            </td>
            <td>{run.trigger === 'manual' ? 'run now' : 'schedule'}</td>
            <td>
              <Time at={run.scheduledTime} />
            </td>
            <td>
              {run.status === 'running' ? (
                <Progress
                  done={run.succeeded + run.failed}
                  total={run.targets}
                  label={`${run.policyName} progress`}
                />
              ) : null}{' '}
              {run.succeeded} ok, {run.failed} failed of {run.targets}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunsScreen() {
  const { api } = useSession();
  const [policy, setPolicy] = useState('');
  const [status, setStatus] = useState<Run['status'] | ''>('');
  const [pages, setPages] = useState<string[]>([]);
  const policies = useLoad(
    () => answer(api.GET('/v1/policies', { params: { query: { limit: 100 } } })),
    'policies',
  );
  const runs = useLoad(
    async () => {
      const query = { ...present({ policy, status }), limit: 50 };
      const first = await answer(api.GET('/v1/runs', { params: { query } }));
      let items = first.items;
      let cursor = first.nextCursor;
      for (const _ of pages) {
        if (!cursor) break;
        const next = await answer(api.GET('/v1/runs', { params: { query: { ...query, cursor } } }));
        items = [...items, ...next.items];
        cursor = next.nextCursor;
      }
      return { items, nextCursor: cursor };
    },
    `${policy}|${status}|${pages.length}`,
    { pollMs: 2000, poll: (data) => data.items.some((run) => run.status === 'running') },
  );
  return (
    <section>
      <h1 tabIndex={-1}>Runs</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <Field label="Policy">
          {({ id }) => (
            <select id={id} value={policy} onChange={(event) => setPolicy(event.currentTarget.value)}>
              <option value="">all</option>
              {policies.data?.items.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Status">
          {({ id }) => (
            <select
              id={id}
              value={status}
              onChange={(event) => setStatus(event.currentTarget.value as Run['status'] | '')}
            >
              <option value="">all</option>
              {STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value.replaceAll('_', ' ')}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      <ErrorMessage error={runs.error} />
      {!runs.data ? (
        <Loading what="runs" />
      ) : runs.data.items.length === 0 ? (
        <p>No runs match.</p>
      ) : (
        <>
          <RunsTable runs={runs.data.items} />
          {runs.data.nextCursor ? (
            <button type="button" class="secondary" onClick={() => setPages([...pages, 'more'])}>
              Load more
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}
