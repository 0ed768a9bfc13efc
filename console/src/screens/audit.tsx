import { useState } from 'preact/hooks';
import type { Schemas } from '../../../client/api-client.ts';
import type { paths } from '../../../client/api-types.ts';
import { type ApiClient, ApiError, data as answer, present } from '../api/client.ts';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Field, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { useGuestNames } from '../ui/guest-names.ts';
import { LoadMore, usePaged } from '../ui/use-paged.tsx';

const FIELDS = [
  ['actor', 'Actor'],
  ['action', 'Action', 'e.g. policy.create, snapshot.restore'],
  ['resourceType', 'Resource type'],
  ['resourceId', 'Resource id'],
] as const;

type Filters = Record<'from' | 'to' | 'actor' | 'action' | 'resourceType' | 'resourceId' | 'outcome', string>;
const EMPTY: Filters = {
  from: '',
  to: '',
  actor: '',
  action: '',
  resourceType: '',
  resourceId: '',
  outcome: '',
};

/** datetime-local gives local time without a zone; the API wants an instant. */
const instant = (local: string) => (local ? new Date(local).toISOString() : '');

/** The audit trail's filters, as its route declares them. */
type AuditQuery = NonNullable<paths['/v1/audit']['get']['parameters']['query']>;

function queryOf(filters: Filters): AuditQuery {
  return present({ ...filters, from: instant(filters.from), to: instant(filters.to) }) as AuditQuery;
}

/** The CSV export, every page of it (the API sends up to 10,000 rows and a Link to the next). */
async function downloadCsv(api: ApiClient, filters: Filters): Promise<void> {
  let query: AuditQuery | undefined = queryOf(filters);
  const parts: string[] = [];
  for (let page = 0; query && page < 20; page += 1) {
    const csv: { data?: unknown; error?: unknown; response: Response } = await api.GET('/v1/audit', {
      params: { query },
      headers: { accept: 'text/csv' },
      parseAs: 'text',
    });
    if (!csv.response.ok) throw new ApiError(csv.response.status, csv.error);
    const text = typeof csv.data === 'string' ? csv.data : '';
    parts.push(page === 0 ? text : text.slice(text.indexOf('\n') + 1));
    const next: string | undefined = /<([^>]+)>;\s*rel="next"/.exec(
      csv.response.headers.get('link') ?? '',
    )?.[1];
    query = next
      ? (Object.fromEntries(new URL(next, location.origin).searchParams) as AuditQuery)
      : undefined;
  }
  const url = URL.createObjectURL(new Blob([parts.join('')], { type: 'text/csv' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `audit-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function AuditScreen() {
  const { api } = useSession();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [error, setError] = useState<unknown>();
  const guestName = useGuestNames();
  const page = (cursor?: string) =>
    // The route answers JSON or CSV by Accept; this asks for JSON.
    answer(
      api.GET('/v1/audit', {
        params: { query: { ...queryOf(filters), limit: 100, ...(cursor ? { cursor } : {}) } },
      }),
    ) as Promise<Schemas['AuditPage']>;
  // A new filter starts from the first page again.
  const events = usePaged(page, JSON.stringify(filters));
  const items = events.items;
  const input = (
    key: keyof Filters,
    label: string,
    type: 'text' | 'datetime-local' = 'text',
    hint?: string,
  ) => (
    <Field key={key} label={label} {...(hint ? { hint } : {})}>
      {({ id, describedBy }) => (
        <input
          id={id}
          type={type as 'text'}
          aria-describedby={describedBy}
          value={draft[key]}
          onInput={(event) => setDraft({ ...draft, [key]: event.currentTarget.value })}
        />
      )}
    </Field>
  );
  return (
    <section>
      <h1 tabIndex={-1}>Audit trail</h1>
      <form
        class="filters"
        aria-label="Filter the audit trail"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        {input('from', 'From', 'datetime-local')}
        {input('to', 'To', 'datetime-local')}
        {FIELDS.map(([key, label, hint]) => input(key, label, 'text', hint))}
        <Field label="Outcome">
          {({ id }) => (
            <select
              id={id}
              value={draft.outcome}
              onChange={(event) => setDraft({ ...draft, outcome: event.currentTarget.value })}
            >
              <option value="">all</option>
              <option value="success">success</option>
              <option value="denied">denied</option>
              <option value="failure">failure</option>
            </select>
          )}
        </Field>
        <button type="submit">Filter</button>
        <button type="button" class="secondary" onClick={() => downloadCsv(api, filters).catch(setError)}>
          Download CSV
        </button>
      </form>
      <ErrorMessage error={events.first.error ?? error} />
      {!events.first.data ? (
        <Loading what="the audit trail" />
      ) : items.length === 0 ? (
        <p>No events match.</p>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {items.map((event) => (
                <tr key={event.id}>
                  <td>
                    <Time at={event.at} />
                  </td>
                  <td>
                    {event.actor} <small class="muted">({event.role})</small>
                  </td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td>
                    {event.resourceType}{' '}
                    {event.resourceType === 'guest' && event.resourceId
                      ? guestName(event.resourceId)
                      : event.resourceId}
                  </td>
                  <td>
                    <StatusBadge status={event.outcome} />
                    {event.reason ? <div class="muted">{event.reason}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <LoadMore paged={events} onError={setError} />
        </>
      )}
    </section>
  );
}
