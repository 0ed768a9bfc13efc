import { useState } from 'preact/hooks';
import { data as answer, fieldErrors } from '../api/client.ts';
import type { Policy, RestoreTestRun } from '../api/types.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Field, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';
import { describeSelector } from './policies.tsx';
import { EMPTY_RESTORE_TEST_FORM, type RestoreTestForm, restoreTestBody } from './restore-test-form.ts';

/** Starts a restore test's run and opens its page, where the run is followed until it ends. */
export function RunTestButton({ testId, label = 'Run now' }: { testId: string; label?: string }) {
  const { api } = useSession();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          answer(
            api.POST('/v1/restore-tests/{restoreTestId}/run', {
              params: { path: { restoreTestId: testId } },
            }),
          )
            .then(
              (run) =>
                navigate(`/restore-tests/${encodeURIComponent(testId)}?run=${encodeURIComponent(run.id)}`),
              setError,
            )
            .finally(() => setBusy(false));
        }}
      >
        {label}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

function NewRestoreTest({ policies }: { policies: readonly Policy[] }) {
  const { api } = useSession();
  const [form, setForm] = useState<RestoreTestForm>(EMPTY_RESTORE_TEST_FORM);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<RestoreTestForm>) => setForm({ ...form, ...patch });
  const text = (
    key: 'name' | 'cron' | 'timezone' | 'guests' | 'sample' | 'bootTimeout',
    label: string,
    path: string,
    hint?: string,
  ) => (
    <Field label={label} errors={fieldErrors(error, path)} {...(hint ? { hint } : {})}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          inputMode={key === 'sample' || key === 'bootTimeout' ? 'numeric' : undefined}
          value={form[key]}
          onInput={(event) => set({ [key]: event.currentTarget.value })}
        />
      )}
    </Field>
  );
  return (
    <form
      aria-label="New restore test"
      class="panel"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        answer(api.POST('/v1/restore-tests', { body: restoreTestBody(form, policies) }))
          .then((test) => navigate(`/restore-tests/${encodeURIComponent(test.id)}`), setError)
          .finally(() => setBusy(false));
      }}
    >
      <h2>New restore test</h2>
      <div class="grid">
        {text('name', 'Name', 'name')}
        {text('cron', 'Cron', 'schedule.cron', 'when it runs, e.g. 0 4 * * 0 (Sundays 04:00)')}
        {text('timezone', 'Time zone', 'schedule.timezone')}
        <Field label="Recovery point">
          {({ id }) => (
            <select
              id={id}
              value={form.source}
              onChange={(event) => set({ source: event.currentTarget.value as RestoreTestForm['source'] })}
            >
              <option value="snapshot">newest good snapshot</option>
              <option value="backup">newest backup archive</option>
            </select>
          )}
        </Field>
      </div>
      <fieldset>
        <legend>Guests</legend>
        <label class="choice">
          <input
            type="radio"
            name="restore-test-from"
            checked={form.from === 'guests'}
            onChange={() => set({ from: 'guests' })}
          />
          These guests
        </label>
        <label class="choice">
          <input
            type="radio"
            name="restore-test-from"
            checked={form.from === 'policy'}
            onChange={() => set({ from: 'policy', policyId: form.policyId || (policies[0]?.id ?? '') })}
          />
          The guests a policy selects
        </label>
        {form.from === 'guests' ? (
          text('guests', 'Guests to prove', 'selector', 'lab/100, lab/200')
        ) : (
          <Field label="Policy" errors={fieldErrors(error, 'selector')}>
            {({ id, describedBy }) => (
              <select
                id={id}
                aria-describedby={describedBy}
                value={form.policyId}
                onChange={(event) => set({ policyId: event.currentTarget.value })}
              >
                {policies.map((policy) => (
                  <option key={policy.id} value={policy.id}>
                    {policy.name} ({describeSelector(policy.selector)})
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </fieldset>
      <div class="grid">
        {text('sample', 'Sample per run', 'sample', 'empty: every selected guest (at most 10)')}
        {text('bootTimeout', 'Boot timeout (s)', 'bootTimeoutSeconds', '30-3600')}
      </div>
      <ErrorMessage error={error} />
      <div class="actions">
        <button type="submit" disabled={busy}>
          Create restore test
        </button>
      </div>
    </form>
  );
}

/** Restore tests: what each proves and when, its last result, run now; admins add one. */
export function RestoreTestsScreen() {
  const { api, can } = useSession();
  const tests = useLoad(
    () => answer(api.GET('/v1/restore-tests', { params: { query: { limit: 100 } } })),
    'restore-tests',
  );
  const runs = useLoad(
    () => answer(api.GET('/v1/restore-test-runs', { params: { query: { limit: 100 } } })),
    'restore-test-runs',
  );
  const policies = useLoad(
    () => answer(api.GET('/v1/policies', { params: { query: { limit: 100 } } })),
    'policies',
  );
  // Runs come newest first: the first of each test is its last result.
  const last = new Map<string, RestoreTestRun>();
  for (const run of runs.data?.items ?? []) if (!last.has(run.testId)) last.set(run.testId, run);
  return (
    <section>
      <h1 tabIndex={-1}>Restore tests</h1>
      <p class="muted">
        Each test restores the newest recovery point of its guests to an isolated copy (network links down),
        waits for a proof of life, and destroys the copy.
      </p>
      <ErrorMessage error={tests.error ?? runs.error} />
      {!tests.data ? (
        <Loading what="restore tests" />
      ) : tests.data.items.length === 0 ? (
        <p>No restore tests yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Schedule</th>
              <th scope="col">Proves</th>
              <th scope="col">Last result</th>
              {can('operator') ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {tests.data.items.map((test) => {
              const run = last.get(test.id);
              return (
                <tr key={test.id}>
                  <td>
                    <Link href={`/restore-tests/${encodeURIComponent(test.id)}`}>{test.name}</Link>
                  </td>
                  <td>
                    <code>{test.schedule.cron}</code> {test.schedule.timezone}
                    {test.enabled ? '' : ' (disabled)'}
                  </td>
                  <td>
                    {test.source === 'backup' ? 'newest backup' : 'newest snapshot'} of{' '}
                    {describeSelector(test.selector)}
                    {test.sample ? `, ${test.sample} per run` : ''}
                  </td>
                  <td>
                    {run ? (
                      <>
                        <StatusBadge status={run.status} /> <Time at={run.endedAt ?? run.startedAt} />
                      </>
                    ) : (
                      <span class="muted">never run</span>
                    )}
                  </td>
                  {can('operator') ? (
                    <td>
                      <RunTestButton testId={test.id} label={`Run ${test.name} now`} />
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {can('admin') && policies.data ? <NewRestoreTest policies={policies.data.items} /> : null}
    </section>
  );
}
