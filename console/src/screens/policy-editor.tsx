import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '../../../client/api-client.ts';
import { ApiError, data as answer, fieldErrors } from '../api/client.ts';
import { navigate } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Field, Loading } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';
import {
  emptyForm,
  formFromPolicy,
  type PolicyForm,
  policyBody,
  RETENTION_FIELDS,
  retentionOf,
} from './policy-form.ts';

interface Simulated {
  snapshots: { id: string; time: string; keep: boolean; reason: string }[];
}

/** Thirty days of one snapshot a day: what the rules typed so far would keep of it. */
function sampleSnapshots(now = Date.now()) {
  return Array.from({ length: 30 }, (_, day) => {
    const time = new Date(now - day * 86_400_000);
    time.setUTCHours(2, 0, 0, 0);
    return { id: `day-${day}`, time: time.toISOString() };
  });
}

/** Create or edit a policy; the API's validation errors are shown on the fields they name. */
export function PolicyEditorScreen({ policyId }: { policyId?: string }) {
  const { api, can } = useSession();
  const existing = useLoad(
    async () =>
      policyId
        ? await answer(api.GET('/v1/policies/{policyId}', { params: { path: { policyId } } }))
        : undefined,
    policyId ?? 'new',
  );
  const [form, setForm] = useState<PolicyForm>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [simulated, setSimulated] = useState<Simulated>();
  const [retentionError, setRetentionError] = useState<ApiError>();

  useEffect(() => {
    if (existing.loading) return;
    setForm(existing.data ? formFromPolicy(existing.data) : emptyForm());
  }, [existing.data, existing.loading]);

  // Live: the API checks the retention rules and time zone as they are typed (POST /v1/retention/simulate changes nothing).
  const retentionKey = form ? JSON.stringify([retentionOf(form), form.timezone]) : '';
  useEffect(() => {
    if (!form) return;
    const timer = setTimeout(() => {
      answer(
        api.POST('/v1/retention/simulate', {
          body: {
            // As typed: the API's rules name what is wrong with it.
            retention: retentionOf(form) as Schemas['Retention'],
            timezone: form.timezone.trim() || 'UTC',
            snapshots: sampleSnapshots(),
          },
        }),
      ).then(
        (result) => {
          setSimulated(result);
          setRetentionError(undefined);
        },
        (failure: unknown) => failure instanceof ApiError && setRetentionError(failure),
      );
    }, 400);
    return () => clearTimeout(timer);
  }, [retentionKey]);

  if (!can('admin')) return <p>Only an admin can edit policies.</p>;
  if (existing.error) return <ErrorMessage error={existing.error} />;
  if (!form) return <Loading what="the policy" />;

  const errorsFor = (path: string) => [
    ...fieldErrors(error, path),
    ...(path.startsWith('retention.') || path === 'schedule.timezone'
      ? (retentionError?.problem?.errors ?? [])
          .filter((item) => item.path === path || (path === 'schedule.timezone' && item.path === 'timezone'))
          .map((item) => item.message)
      : []),
  ];
  const set = (patch: Partial<PolicyForm>) => setForm({ ...form, ...patch });
  const text = (key: Exclude<keyof PolicyForm, 'retention'>, label: string, path: string, hint?: string) => (
    <Field label={label} errors={errorsFor(path)} {...(hint ? { hint } : {})}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={key}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={form[key] as string}
          onInput={(event) => set({ [key]: event.currentTarget.value })}
        />
      )}
    </Field>
  );
  const check = (key: 'enabled' | 'includeMemory' | 'all' | 'onSuccess' | 'onFailure', label: string) => (
    <label class="choice">
      <input
        type="checkbox"
        name={key}
        checked={form[key]}
        onChange={(event) => set({ [key]: event.currentTarget.checked })}
      />
      {label}
    </label>
  );
  const kept = simulated?.snapshots.filter((snapshot) => snapshot.keep) ?? [];

  return (
    <section>
      <h1 tabIndex={-1}>{policyId ? `Edit policy ${existing.data?.name ?? ''}` : 'New policy'}</h1>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          const request = existing.data
            ? answer(
                api.PATCH('/v1/policies/{policyId}', {
                  params: {
                    path: { policyId: existing.data.id },
                    header: { 'if-match': `"${existing.data.version}"` },
                  },
                  // As typed (a count may be "7x"): the API's validation names the field.
                  body: policyBody(form, true) as Schemas['PolicyPatch'],
                }),
              )
            : answer(
                api.POST('/v1/policies', { body: policyBody(form) as unknown as Schemas['PolicyInput'] }),
              );
          request
            .then((policy) => navigate(`/policies/${encodeURIComponent(policy.id)}`), setError)
            .finally(() => setBusy(false));
        }}
      >
        <fieldset>
          <legend>Policy</legend>
          {text('name', 'Name', 'name')}
          {text('description', 'Description', 'description')}
          {check('enabled', 'Enabled (runs on its schedule)')}
        </fieldset>
        <fieldset>
          <legend>Schedule</legend>
          {text(
            'cron',
            'Cron',
            'schedule.cron',
            'minute hour day-of-month month day-of-week, e.g. 0 2 * * *',
          )}
          {text('timezone', 'Time zone', 'schedule.timezone', 'IANA name, e.g. Europe/Berlin')}
          <Field label="Missed runs" errors={errorsFor('schedule.missedRuns')}>
            {({ id }) => (
              <select
                id={id}
                value={form.missedRuns}
                onChange={(event) =>
                  set({ missedRuns: event.currentTarget.value as PolicyForm['missedRuns'] })
                }
              >
                <option value="skip">skip</option>
                <option value="run-once">run once after downtime</option>
              </select>
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Guests</legend>
          {check('all', 'All guests')}
          {text('tags', 'Tags', 'selector.tags', 'comma-separated')}
          {text('pools', 'Pools', 'selector.pools', 'comma-separated')}
          {text('nodes', 'Nodes', 'selector.nodes', 'comma-separated')}
          {text('guests', 'Guests', 'selector.guests', 'comma-separated ids or cluster/vmid, e.g. lab/101')}
          {text('excludeTags', 'Except tags', 'selector.exclude.tags')}
          {text('excludeGuests', 'Except guests', 'selector.exclude.guests')}
          {errorsFor('selector').length && !form.tags && !form.all ? (
            <p class="field-error">{errorsFor('selector').join('; ')}</p>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>Snapshots</legend>
          {text('namePrefix', 'Name prefix', 'snapshot.namePrefix')}
          {check('includeMemory', 'Include RAM state (running VMs)')}
          {text('perNode', 'At once per node', 'concurrency.perNode', '1-10')}
        </fieldset>
        <fieldset>
          <legend>Retention</legend>
          <div class="grid">
            {RETENTION_FIELDS.map(([key, label]) => (
              <Field key={key} label={label} errors={errorsFor(`retention.${key}`)}>
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    name={`retention.${key}`}
                    inputMode="numeric"
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    value={form.retention[key]}
                    onInput={(event) =>
                      set({ retention: { ...form.retention, [key]: event.currentTarget.value } })
                    }
                  />
                )}
              </Field>
            ))}
          </div>
          <p class="muted" aria-live="polite" data-testid="retention-sample">
            {simulated
              ? `Of one snapshot a day for 30 days, these rules keep ${kept.length}${kept.length ? ` (${[...new Set(kept.map((snapshot) => snapshot.reason))].join(', ')})` : ''}.`
              : ''}
          </p>
        </fieldset>
        <fieldset>
          <legend>Notifications</legend>
          {check('onFailure', 'Notify on failure')}
          {check('onSuccess', 'Notify on success')}
        </fieldset>
        <ErrorMessage error={error} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            {policyId ? 'Save policy' : 'Create policy'}
          </button>
          <button type="button" class="secondary" onClick={() => history.back()}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
