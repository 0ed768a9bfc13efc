import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '../../../client/api-client.ts';
import { ApiError, data as answer, fieldErrors } from '../api/client.ts';
import { navigate } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Field, Loading } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';
import { wallClock } from '../ui/zone-time.ts';
import {
  emptyForm,
  formFromPolicy,
  liveCheckBody,
  type PolicyForm,
  policyBody,
  RETENTION_FIELDS,
  retentionOf,
  withKind,
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
  const [live, setLive] = useState<{ error?: ApiError; nextRuns?: Schemas['NextRuns'] }>({});
  // Fields the user has changed: the live check names only their mistakes, saving names them all.
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    if (existing.loading) return;
    setForm(existing.data ? formFromPolicy(existing.data) : emptyForm());
  }, [existing.data, existing.loading]);

  // Live: the API checks the whole draft as it is typed (POST /v1/policies/validate writes nothing)
  // and answers its next runs. It checks the schedule only once every field has its shape, so a
  // name or selector not given yet has a stand-in until the user goes there.
  const liveDraft = form ? liveCheckBody(form, touched) : undefined;
  const draftKey = JSON.stringify(liveDraft ?? null);
  useEffect(() => {
    if (!liveDraft) return;
    let current = true;
    const timer = setTimeout(() => {
      answer(
        api.POST('/v1/policies/validate', {
          params: { query: { count: 3 } },
          body: liveDraft as unknown as Schemas['PolicyInput'],
        }),
      ).then(
        // An answer about a draft typed over since is dropped.
        (nextRuns) => current && setLive({ nextRuns }),
        (failure: unknown) => current && failure instanceof ApiError && setLive({ error: failure }),
      );
    }, 400);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [draftKey]);

  // What the retention rules typed so far keep of a month of daily snapshots (POST /v1/retention/simulate).
  const retentionKey = form ? JSON.stringify([retentionOf(form), form.timezone]) : '';
  useEffect(() => {
    if (!form) return;
    const timer = setTimeout(() => {
      answer(
        api.POST('/v1/retention/simulate', {
          body: {
            retention: retentionOf(form) as Schemas['Retention'],
            timezone: form.timezone.trim() || 'UTC',
            snapshots: sampleSnapshots(),
          },
        }),
      ).then(setSimulated, () => setSimulated(undefined));
    }, 400);
    return () => clearTimeout(timer);
  }, [retentionKey]);

  if (!can('admin')) return <p>Only an admin can edit policies.</p>;
  if (existing.error) return <ErrorMessage error={existing.error} />;
  if (!form) return <Loading what="the policy" />;

  // A field's mistakes: the live check's once the user changed it since saving, else the save's.
  const errorsFor = (path: string) => {
    const changed =
      path === 'selector' ? [...touched].some((item) => item.startsWith('selector.')) : touched.has(path);
    return changed ? fieldErrors(live.error, path) : fieldErrors(error, path);
  };
  const touch = (path: string) => {
    if (!touched.has(path)) setTouched(new Set([...touched, path]));
  };
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
          onInput={(event) => {
            touch(path);
            set({ [key]: event.currentTarget.value });
          }}
        />
      )}
    </Field>
  );
  const check = (
    key: 'enabled' | 'includeMemory' | 'all' | 'onSuccess' | 'onFailure' | 'protectArchives',
    label: string,
  ) => (
    <label class="choice">
      <input
        type="checkbox"
        name={key}
        checked={form[key]}
        onChange={(event) => {
          if (key === 'all') touch('selector.all');
          set({ [key]: event.currentTarget.checked });
        }}
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
          setTouched(new Set());
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
          <legend>What it makes</legend>
          <label class="choice">
            <input
              type="radio"
              name="kind"
              value="snapshot"
              checked={form.kind === 'snapshot'}
              onChange={() => setForm(withKind(form, 'snapshot'))}
            />
            Snapshots (on the guest's own storage; quick, not a backup)
          </label>
          <label class="choice">
            <input
              type="radio"
              name="kind"
              value="backup"
              checked={form.kind === 'backup'}
              onChange={() => setForm(withKind(form, 'backup'))}
            />
            Backups (vzdump archives on a backup storage)
          </label>
          {errorsFor('kind').length ? <p class="field-error">{errorsFor('kind').join('; ')}</p> : null}
        </fieldset>
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
          <p class="muted" aria-live="polite" data-testid="live-next-runs">
            {live.nextRuns && !live.error
              ? live.nextRuns.enabled
                ? `Next runs: ${live.nextRuns.runs.map((run) => wallClock(run.local)).join('; ')}`
                : 'Disabled: no scheduled runs.'
              : ''}
          </p>
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
        {form.kind === 'snapshot' ? (
          <fieldset>
            <legend>Snapshots</legend>
            {text('namePrefix', 'Name prefix', 'snapshot.namePrefix')}
            {check('includeMemory', 'Include RAM state (running VMs)')}
            {text('perNode', 'At once per node', 'concurrency.perNode', '1-10')}
          </fieldset>
        ) : (
          <fieldset>
            <legend>Backups</legend>
            {text(
              'storage',
              'Backup storage',
              'backup.storage',
              "a storage with content 'backup' on every node of the guests, e.g. backup-nfs",
            )}
            <div class="grid">
              <Field label="Mode" errors={errorsFor('backup.mode')}>
                {({ id }) => (
                  <select
                    id={id}
                    name="mode"
                    value={form.mode}
                    onChange={(event) => set({ mode: event.currentTarget.value as PolicyForm['mode'] })}
                  >
                    <option value="snapshot">snapshot (guest keeps running)</option>
                    <option value="suspend">suspend</option>
                    <option value="stop">stop</option>
                  </select>
                )}
              </Field>
              <Field label="Compression" errors={errorsFor('backup.compress')}>
                {({ id }) => (
                  <select
                    id={id}
                    name="compress"
                    value={form.compress}
                    onChange={(event) =>
                      set({ compress: event.currentTarget.value as PolicyForm['compress'] })
                    }
                  >
                    <option value="zstd">zstd</option>
                    <option value="lzo">lzo</option>
                    <option value="gzip">gzip</option>
                    <option value="none">none</option>
                  </select>
                )}
              </Field>
            </div>
            {text(
              'notesTemplate',
              'Archive notes',
              'backup.notesTemplate',
              '{{guestname}}, {{vmid}}, {{node}}, {{cluster}}',
            )}
            {check('protectArchives', 'Protect each new archive (Proxmox refuses to delete it)')}
            {text('perNode', 'At once per node', 'concurrency.perNode', '1-10 (default 1)')}
          </fieldset>
        )}
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
                    onInput={(event) => {
                      touch(`retention.${key}`);
                      set({ retention: { ...form.retention, [key]: event.currentTarget.value } });
                    }}
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
