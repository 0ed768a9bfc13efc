import { useEffect, useState } from 'preact/hooks';
import { data as answer } from '../api/client.ts';
import type { RestoreTestRun } from '../api/types.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ConfirmDialog, ErrorMessage, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';
import { describeSelector } from './policies.tsx';
import { linksDown, pointText } from './restore-test-form.ts';
import { RunTestButton } from './restore-tests.tsx';

const seconds = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(1)} s`);

/** A run's proof, one row per guest: what was restored, how fast, what answered, isolation, teardown. */
function Proof({ run }: { run: RestoreTestRun }) {
  const items = run.items ?? [];
  const proven = items.filter((item) => item.outcome === 'succeeded').length;
  return (
    <section aria-labelledby="proof-heading" data-testid="restore-test-proof">
      <h2 id="proof-heading">Proof of run {run.id}</h2>
      <dl class="facts">
        <dt>Status</dt>
        <dd aria-live="polite" data-testid="restore-test-run-status">
          <StatusBadge status={run.status} />
          {run.reason ? ` ${run.reason}` : ''}
        </dd>
        <dt>Started</dt>
        <dd>
          <Time at={run.startedAt} /> ({run.trigger === 'manual' ? 'run now' : 'schedule'})
        </dd>
        <dt>Ended</dt>
        <dd>
          <Time at={run.endedAt} />
        </dd>
        <dt>Proven</dt>
        <dd>
          {proven} of {items.length} guests
        </dd>
        {run.leftoversRemoved?.length ? (
          <>
            <dt>Leftovers removed</dt>
            <dd>{run.leftoversRemoved.join(', ')}</dd>
          </>
        ) : null}
      </dl>
      {items.length === 0 ? (
        <p>{run.status === 'running' ? 'Choosing the recovery points…' : 'No guest was tested.'}</p>
      ) : (
        <table>
          <caption>Each guest’s restore, boot and proof of life</caption>
          <thead>
            <tr>
              <th scope="col">Guest</th>
              <th scope="col">Recovery point</th>
              <th scope="col">Outcome</th>
              <th scope="col">Test guest</th>
              <th scope="col">Restore</th>
              <th scope="col">Boot</th>
              <th scope="col">Proof of life</th>
              <th scope="col">Links down</th>
              <th scope="col">Copy destroyed</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.guestId}>
                <td>
                  <Link href={`/guests/${encodeURIComponent(item.guestId)}`}>
                    {item.guestName} ({item.vmid})
                  </Link>
                </td>
                <td>{pointText(item)}</td>
                <td>
                  <StatusBadge status={item.outcome ?? 'running'} />
                  {item.outcome ? '' : ` ${item.phase}`}
                </td>
                <td>{item.testVmid ?? '–'}</td>
                <td>{seconds(item.restoreSeconds)}</td>
                <td>{seconds(item.bootSeconds)}</td>
                <td class="proxmox-text">{item.checkOutput ?? item.reason ?? '–'}</td>
                <td>{linksDown(item).join(', ') || '–'}</td>
                <td>{item.destroyed ? 'yes' : (item.destroyError ?? (item.outcome ? 'no' : '–'))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One restore test: what it proves, run now, its runs, and the proof of the chosen (or newest) run. */
export function RestoreTestScreen({ testId }: { testId: string }) {
  const { api, can } = useSession();
  const { query } = useLocation();
  const [error, setError] = useState<unknown>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const path = { restoreTestId: testId };
  const test = useLoad(
    () => answer(api.GET('/v1/restore-tests/{restoreTestId}', { params: { path } })),
    testId,
  );
  const runs = useLoad(
    () => answer(api.GET('/v1/restore-test-runs', { params: { query: { restoreTest: testId, limit: 20 } } })),
    `${testId}:${query.get('run') ?? ''}`,
  );
  const runId = query.get('run') ?? runs.data?.items[0]?.id;
  const run = useLoad(
    () =>
      runId
        ? answer(api.GET('/v1/restore-test-runs/{runId}', { params: { path: { runId } } }))
        : Promise.resolve(undefined),
    runId ?? '',
    { pollMs: 1000, poll: (data) => data?.status === 'running' },
  );
  // A run that ends changes the runs list too.
  const runStatus = run.data?.status;
  const reloadRuns = runs.reload;
  useEffect(() => {
    if (runStatus && runStatus !== 'running') reloadRuns();
  }, [runStatus, reloadRuns]);
  const data = test.data;
  return (
    <section>
      <h1 tabIndex={-1}>Restore test {data?.name ?? ''}</h1>
      <ErrorMessage error={test.error ?? runs.error ?? run.error ?? error} />
      {!data ? (
        <Loading what="the restore test" />
      ) : (
        <>
          <dl class="facts">
            <dt>Proves</dt>
            <dd>
              the {data.source === 'backup' ? 'newest backup archive' : 'newest good snapshot'} of{' '}
              {describeSelector(data.selector)}
              {data.sample ? `, a sample of ${data.sample} per run` : ''}
            </dd>
            <dt>Schedule</dt>
            <dd>
              <code>{data.schedule.cron}</code> {data.schedule.timezone}
              {data.enabled ? '' : ' (disabled)'}
            </dd>
            <dt>Proof of life within</dt>
            <dd>{data.bootTimeoutSeconds} s</dd>
            {data.target?.node || data.target?.storage ? (
              <>
                <dt>Test guests on</dt>
                <dd>{[data.target?.node, data.target?.storage].filter(Boolean).join(', ')}</dd>
              </>
            ) : null}
          </dl>
          <div class="actions">
            {can('operator') ? <RunTestButton testId={testId} /> : null}
            {can('admin') ? (
              <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
                Delete…
              </button>
            ) : null}
          </div>
          <ConfirmDialog
            title={`Delete ${data.name}?`}
            open={confirmDelete}
            confirm="Delete restore test"
            onClose={() => setConfirmDelete(false)}
            onConfirm={() =>
              answer(api.DELETE('/v1/restore-tests/{restoreTestId}', { params: { path } })).then(
                () => navigate('/restore-tests'),
                setError,
              )
            }
          >
            Its schedule is removed; its runs stay in the history.
          </ConfirmDialog>
          {run.data ? (
            <Proof run={run.data} />
          ) : runId ? (
            <Loading what="the run" />
          ) : (
            <p>It has not run yet.</p>
          )}
          <h2>Runs</h2>
          {runs.data?.items.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Status</th>
                  <th scope="col">Started</th>
                  <th scope="col">Ended</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.items.map((item) => (
                  <tr key={item.id}>
                    <td>
                      <Link
                        href={`/restore-tests/${encodeURIComponent(testId)}?run=${encodeURIComponent(item.id)}`}
                        aria-current={item.id === runId ? 'page' : undefined}
                      >
                        {item.id}
                      </Link>
                    </td>
                    <td>{item.trigger === 'manual' ? 'run now' : 'schedule'}</td>
                    <td>
                      <StatusBadge status={item.status} />
                    </td>
                    <td>
                      <Time at={item.startedAt} />
                    </td>
                    <td>
                      <Time at={item.endedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">No runs yet.</p>
          )}
        </>
      )}
    </section>
  );
}
