import { useState } from 'preact/hooks';
import { data as answer } from '../api/client.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Loading, Progress, StatusBadge, Time } from '../ui/components.tsx';
import { useGuestNames } from '../ui/guest-names.ts';
import { useLoad } from '../ui/use-load.ts';

/** One run: its counts move while it runs (polled every second), then each guest's result. */
export function RunScreen({ runId }: { runId: string }) {
  const { api, can } = useSession();
  const [actionError, setActionError] = useState<unknown>();
  const path = { params: { path: { runId } } };
  const run = useLoad(() => answer(api.GET('/v1/runs/{runId}', path)), runId, {
    pollMs: 1000,
    poll: (data) => data.status === 'running',
  });
  const guestName = useGuestNames();
  const data = run.data;
  return (
    <section>
      <h1 tabIndex={-1}>Run {data ? `of ${data.policyName}` : ''}</h1>
      <ErrorMessage error={run.error ?? actionError} />
      {!data ? (
        <Loading what="the run" />
      ) : (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd aria-live="polite" data-testid="run-status">
              <StatusBadge status={data.status} />
              {data.reason ? ` ${data.reason}` : ''}
            </dd>
            <dt>Policy</dt>
            <dd>
              <Link href={`/policies/${encodeURIComponent(data.policyId)}`}>{data.policyName}</Link>
            </dd>
            <dt>Trigger</dt>
            <dd>{data.trigger === 'manual' ? 'run now' : 'schedule'}</dd>
            <dt>Scheduled</dt>
            <dd>
              <Time at={data.scheduledTime} />
            </dd>
            <dt>Finished</dt>
            <dd>
              <Time at={data.finishedAt} />
            </dd>
            <dt>Progress</dt>
            <dd>
              <Progress done={data.succeeded + data.failed} total={data.targets} label="Guests done" />{' '}
              {data.status === 'running' && data.targets === 0
                ? 'finding its guests…'
                : `${data.succeeded} succeeded, ${data.failed} failed of ${data.targets}${data.notStarted ? `, ${data.notStarted} not started` : ''}`}
            </dd>
          </dl>
          {data.status === 'running' && can('operator') ? (
            <button
              type="button"
              class="danger"
              onClick={() => {
                answer(api.POST('/v1/runs/{runId}/cancel', path)).then(() => run.reload(), setActionError);
              }}
            >
              Cancel run
            </button>
          ) : null}
          <h2>Guests</h2>
          {data.results.length === 0 ? (
            <p>{data.status === 'running' ? 'No guest has finished yet.' : 'No guest results.'}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Guest</th>
                  <th scope="col">Node</th>
                  <th scope="col">Snapshot</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Finished</th>
                  <th scope="col">Proxmox said</th>
                </tr>
              </thead>
              <tbody>
                {data.results.map((result) => (
                  <tr key={result.guestId}>
                    <td>
                      <Link href={`/guests/${encodeURIComponent(result.guestId)}`}>
                        {guestName(result.guestId)}
                      </Link>
                    </td>
                    <td>{result.node}</td>
                    <td>{result.snapshotName}</td>
                    <td>
                      <StatusBadge status={result.outcome} />
                      {result.late ? ' (late, not counted)' : ''}
                    </td>
                    <td>
                      <Time at={result.finishedAt} />
                    </td>
                    <td class="proxmox-text">
                      {result.error}
                      {result.errorType ? <small class="muted"> ({result.errorType})</small> : null}
                    </td>
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
