import { useState } from 'preact/hooks';
import type { Schemas } from '../../../client/api-client.ts';
import { data as answer } from '../api/client.ts';
import { useSession } from '../session-context.ts';
import { ErrorMessage } from '../ui/components.tsx';

const minutes = (seconds: number | undefined) =>
  seconds === undefined
    ? 'unknown (no history yet)'
    : seconds < 90
      ? `${Math.round(seconds)} s`
      : `${Math.round(seconds / 60)} min`;

/** "What would a run now do?": the API's plan (targets, lanes per node, time, deletions) without running it. */
export function DryRunPanel({ policyId }: { policyId: string }) {
  const { api } = useSession();
  const [plan, setPlan] = useState<Schemas['DryRunPlan']>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const deletions = plan?.retention.flatMap((guest) =>
    guest.delete.map((item) => ({ guestId: guest.guestId, ...item })),
  );
  return (
    <>
      <h2>Dry run</h2>
      <button
        type="button"
        class="secondary"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          answer(api.POST('/v1/policies/{policyId}/dry-run', { params: { path: { policyId } } }))
            .then(setPlan, setError)
            .finally(() => setBusy(false));
        }}
      >
        Dry run (changes nothing)
      </button>
      <ErrorMessage error={error} />
      {plan ? (
        <div class="panel" data-testid="dry-run" aria-live="polite">
          <p>
            A run now would take <strong>{plan.targets.length}</strong> guest
            {plan.targets.length === 1 ? '' : 's'} in {plan.lanes.length} lane
            {plan.lanes.length === 1 ? '' : 's'} (one per node), expected to take{' '}
            {minutes(plan.expectedSeconds)}; names like <code>{plan.snapshotName}</code>.
          </p>
          <table>
            <caption class="visually-hidden">Lanes of the planned run</caption>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">At once</th>
                <th scope="col">Guests</th>
                <th scope="col">Expected</th>
              </tr>
            </thead>
            <tbody>
              {plan.lanes.map((lane) => (
                <tr key={lane.lane}>
                  <td>{lane.node}</td>
                  <td>{lane.perNode}</td>
                  <td>{lane.guests.map((guest) => guest.vmid).join(', ')}</td>
                  <td>{minutes(lane.expectedSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            {deletions?.length
              ? `Retention would then delete ${deletions.length}: ${deletions
                  .map(
                    (item) =>
                      `${item.name} (${item.reason}${item.beforeBackup ? ', before the backup, to make room' : item.inThisRun ? ', in this run' : ', by the daily sweep'})`,
                  )
                  .join('; ')}.`
              : 'Retention would delete nothing.'}
          </p>
          {plan.storageGuard?.length ? (
            <p>
              {`The storage guard, from the last inventory: ${plan.storageGuard
                .map(
                  (entry) =>
                    `${entry.guestId} on ${entry.storage} ${
                      entry.outcome === 'skipped'
                        ? 'would be skipped (too full even after pruning)'
                        : `fits once ${entry.pruned.length} archive${entry.pruned.length === 1 ? '' : 's'} are pruned first`
                    }`,
                )
                .join('; ')}.`}
            </p>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
