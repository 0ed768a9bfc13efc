import { useState } from 'preact/hooks';
import { data as answer } from '../api/client.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ConfirmDialog, ErrorMessage, Loading, Time } from '../ui/components.tsx';
import { useGuestNames } from '../ui/guest-names.ts';
import { useLoad } from '../ui/use-load.ts';
import { wallClock } from '../ui/zone-time.ts';
import { DryRunPanel } from './dry-run-panel.tsx';
import { describeSelector } from './policies.tsx';
import { describeRetention } from './policy-form.ts';

const REASONS: Record<string, string> = {
  'not-selected': 'not selected by the policy',
  template: 'a template (never snapshotted)',
  gone: 'gone from Proxmox',
  'cluster-deleted': 'its cluster was deleted',
  'excluded-by-selector': 'excluded by the selector',
  excluded: 'excluded',
  'wrong-cluster': 'on another cluster',
};

/** A policy: its rules, run now, the next runs, which guests it takes (and why not the others), what retention keeps. */
export function PolicyScreen({ policyId }: { policyId: string }) {
  const { api, can } = useSession();
  const path = { policyId };
  const [error, setError] = useState<unknown>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const policy = useLoad(() => answer(api.GET('/v1/policies/{policyId}', { params: { path } })), policyId);
  const nextRuns = useLoad(
    () => answer(api.GET('/v1/policies/{policyId}/next-runs', { params: { path, query: { count: 5 } } })),
    policyId,
  );
  const targets = useLoad(
    () => answer(api.GET('/v1/policies/{policyId}/targets', { params: { path } })),
    policyId,
  );
  const retention = useLoad(
    () => answer(api.GET('/v1/policies/{policyId}/retention-preview', { params: { path } })),
    policyId,
  );
  const guestName = useGuestNames();
  const data = policy.data;
  return (
    <section>
      <h1 tabIndex={-1}>{data ? `Policy ${data.name}` : 'Policy'}</h1>
      <ErrorMessage error={policy.error ?? error} />
      {!data ? (
        <Loading what="the policy" />
      ) : (
        <>
          <div class="actions">
            {can('operator') ? (
              <button
                type="button"
                onClick={() => {
                  setError(undefined);
                  answer(api.POST('/v1/policies/{policyId}/runs', { params: { path } })).then(
                    (run) => navigate(`/runs/${encodeURIComponent(run.id)}`),
                    setError,
                  );
                }}
              >
                Run now
              </button>
            ) : null}
            {can('admin') ? (
              <>
                <Link href={`/policies/${encodeURIComponent(policyId)}/edit`} class="button secondary">
                  Edit
                </Link>
                <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
                  Delete…
                </button>
              </>
            ) : null}
          </div>
          <dl class="facts">
            <dt>Makes</dt>
            <dd>
              {data.kind === 'backup' && data.backup
                ? `backups to ${data.backup.storage} (${data.backup.mode ?? 'snapshot'} mode, ${data.backup.compress ?? 'zstd'}${data.backup.protected ? ', protected' : ''})`
                : 'snapshots'}
            </dd>
            <dt>Schedule</dt>
            <dd>
              <code>{data.schedule.cron}</code> in {data.schedule.timezone ?? 'UTC'}
              {data.enabled === false ? ' (disabled)' : ''}
            </dd>
            <dt>Selects</dt>
            <dd>{describeSelector(data.selector)}</dd>
            <dt>Retention</dt>
            <dd>{describeRetention(data.retention)}</dd>
            {data.description ? (
              <>
                <dt>Description</dt>
                <dd>{data.description}</dd>
              </>
            ) : null}
          </dl>
          {can('operator') ? <DryRunPanel policyId={policyId} /> : null}
          <h2>Next runs</h2>
          <ErrorMessage error={nextRuns.error} />
          {nextRuns.data ? (
            nextRuns.data.enabled ? (
              <ol>
                {nextRuns.data.runs.map((run) => (
                  <li key={run.at}>
                    <time dateTime={run.at}>{wallClock(run.local)}</time>
                  </li>
                ))}
              </ol>
            ) : (
              <p>Disabled: no scheduled runs.</p>
            )
          ) : (
            <Loading what="next runs" />
          )}
          <h2>Targets now</h2>
          <ErrorMessage error={targets.error} />
          {targets.data ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Guest</th>
                  <th scope="col">Node</th>
                  <th scope="col">Included</th>
                </tr>
              </thead>
              <tbody>
                {targets.data.targets.map((guest) => (
                  <tr key={guest.id}>
                    <td>
                      <Link href={`/guests/${encodeURIComponent(guest.id)}`}>{guest.name || guest.id}</Link> (
                      {guest.vmid})
                    </td>
                    <td>{guest.node}</td>
                    <td>yes{guest.note ? ` – ${guest.note}` : ''}</td>
                  </tr>
                ))}
                {targets.data.notIncluded
                  .filter((item) => item.reason !== 'not-selected')
                  .map((item) => (
                    <tr key={item.guest.id}>
                      <td>
                        {item.guest.name || item.guest.id} ({item.guest.vmid})
                      </td>
                      <td>{item.guest.node}</td>
                      <td>
                        no: {REASONS[item.reason] ?? item.reason}
                        {item.detail ? ` (${item.detail})` : ''}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          ) : (
            <Loading what="targets" />
          )}
          {targets.data ? (
            <p class="muted">
              {targets.data.notIncluded.filter((item) => item.reason === 'not-selected').length} other guests
              are not selected.
            </p>
          ) : null}
          <h2>Retention preview</h2>
          <ErrorMessage error={retention.error} />
          {retention.data ? (
            retention.data.guests.every((guest) => guest.snapshots.length === 0) ? (
              <p>The policy has taken no snapshots yet.</p>
            ) : (
              retention.data.guests
                .filter((guest) => guest.snapshots.length > 0)
                .map((guest) => (
                  <table key={guest.guestId}>
                    <caption>{guestName(guest.guestId)}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Snapshot</th>
                        <th scope="col">Taken</th>
                        <th scope="col">Decision</th>
                      </tr>
                    </thead>
                    <tbody>
                      {guest.snapshots.map((snapshot) => (
                        <tr key={snapshot.name}>
                          <td>{snapshot.name}</td>
                          <td>
                            <Time at={snapshot.time} />
                          </td>
                          <td>
                            {snapshot.keep ? 'kept' : 'pruned'}: {snapshot.reason}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ))
            )
          ) : (
            <Loading what="the retention preview" />
          )}
          <ConfirmDialog
            title={`Delete policy ${data.name}`}
            open={confirmDelete}
            confirm="Delete policy"
            onClose={() => setConfirmDelete(false)}
            onConfirm={() =>
              answer(
                api.DELETE('/v1/policies/{policyId}', {
                  params: { path, header: { 'if-match': `"${data.version}"` } },
                }),
              ).then(() => navigate('/policies'), setError)
            }
          >
            The policy and its schedule are deleted; its snapshots stay on Proxmox and are no longer pruned by
            it.
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}
