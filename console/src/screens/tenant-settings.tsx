import { useEffect, useState } from 'preact/hooks';
import { data as answer, fieldErrors } from '../api/client.ts';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Field, Loading, Time } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';

/** The tenant's own settings: the zone new policies get, and whether unprotected new guests are announced. */
export function TenantSettings() {
  const { api, can } = useSession();
  const settings = useLoad(() => answer(api.GET('/v1/settings')), 'settings');
  const [timezone, setTimezone] = useState('');
  const [events, setEvents] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const data = settings.data;
  useEffect(() => {
    if (!data) return;
    setTimezone(data.timezone);
    setEvents(data.unprotectedGuestEvents);
  }, [data]);
  if (settings.error) return <ErrorMessage error={settings.error} />;
  if (!data) return <Loading what="settings" />;
  if (!can('admin'))
    return (
      <dl class="facts">
        <dt>Plan</dt>
        <dd>{data.plan}</dd>
        <dt>Time zone of new policies</dt>
        <dd>{data.timezone}</dd>
        <dt>Announce unprotected new guests</dt>
        <dd>{data.unprotectedGuestEvents ? 'yes' : 'no'}</dd>
      </dl>
    );
  return (
    <form
      aria-label="Tenant settings"
      onSubmit={(event) => {
        event.preventDefault();
        setError(undefined);
        setSaved(false);
        answer(
          api.PATCH('/v1/settings', {
            params: { header: { 'if-match': `"${data.version}"` } },
            body: { timezone: timezone.trim(), unprotectedGuestEvents: events },
          }),
        ).then(() => {
          setSaved(true);
          settings.reload();
        }, setError);
      }}
    >
      <p>
        Plan <strong>{data.plan}</strong>; last changed <Time at={data.updatedAt} />.
      </p>
      <Field
        label="Time zone of new policies"
        hint="IANA name, e.g. Europe/Berlin; a policy created without one gets it"
        errors={fieldErrors(error, 'timezone')}
      >
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            name="timezone"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={timezone}
            onInput={(event) => setTimezone(event.currentTarget.value)}
          />
        )}
      </Field>
      <label class="choice">
        <input
          type="checkbox"
          checked={events}
          onChange={(event) => setEvents(event.currentTarget.checked)}
        />
        Announce each new guest no enabled policy covers (guest.unprotected)
      </label>
      <ErrorMessage error={error} />
      <div class="actions">
        <button type="submit">Save settings</button>
        <span aria-live="polite">{saved ? 'Saved.' : ''}</span>
      </div>
    </form>
  );
}
