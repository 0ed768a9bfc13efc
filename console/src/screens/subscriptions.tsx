import { useState } from 'preact/hooks';
import { data as answer, fieldErrors } from '../api/client.ts';
import type { Subscription } from '../api/types.ts';
import { useSession } from '../session-context.ts';
import { ConfirmDialog, ErrorMessage, Field, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { SecretOnce } from '../ui/secret-once.tsx';
import { useLoad } from '../ui/use-load.ts';

/**
 * The subscription's deliveries, newest first; followed every second while one is still being
 * delivered or the test event just sent (`awaiting`) has not reached the log yet.
 */
function Deliveries({ subscription, awaiting }: { subscription: Subscription; awaiting?: string }) {
  const { api } = useSession();
  const deliveries = useLoad(
    () =>
      answer(
        api.GET('/v1/subscriptions/{subscriptionId}/deliveries', {
          params: { path: { subscriptionId: subscription.id }, query: { limit: 20 } },
        }),
      ),
    `${subscription.id}:${awaiting ?? ''}`,
    {
      pollMs: 1000,
      poll: (data) =>
        data.items.some((delivery) => delivery.status === 'delivering') ||
        (awaiting !== undefined && !data.items.some((delivery) => delivery.eventId === awaiting)),
    },
  );
  if (deliveries.error) return <ErrorMessage error={deliveries.error} />;
  if (!deliveries.data) return <Loading what="deliveries" />;
  if (deliveries.data.items.length === 0) return <p>No deliveries yet.</p>;
  return (
    <table>
      <caption>Deliveries to {subscription.target}</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">When</th>
          <th scope="col">Status</th>
          <th scope="col">Last attempt</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.data.items.map((delivery) => {
          const last = delivery.attempts.at(-1);
          return (
            <tr key={delivery.eventId}>
              <td>{delivery.eventType}</td>
              <td>
                <Time at={delivery.createdAt} />
              </td>
              <td>
                <StatusBadge status={delivery.status} /> {delivery.attempts.length} attempts
              </td>
              <td>
                {last
                  ? `${last.status ?? ''} ${last.reply ?? ''} ${last.error ?? ''} (${Math.round(last.latencyMs)} ms)`
                  : '–'}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ConfirmEmail({
  subscription,
  onConfirmed,
}: {
  subscription: Subscription;
  onConfirmed: () => void;
}) {
  const { api } = useSession();
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState('');
  const path = { subscriptionId: subscription.id };
  return (
    <form
      class="inline-form"
      aria-label={`Confirm ${subscription.target}`}
      onSubmit={(event) => {
        event.preventDefault();
        answer(
          api.POST('/v1/subscriptions/{subscriptionId}/confirm', {
            params: { path },
            body: { code: code.trim() },
          }),
        ).then(onConfirmed, setError);
      }}
    >
      <Field label={`Code mailed to ${subscription.target}`} errors={fieldErrors(error, 'code')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={code}
            onInput={(event) => setCode(event.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit">Confirm</button>
      <button
        type="button"
        class="secondary"
        onClick={() =>
          answer(
            api.POST('/v1/subscriptions/{subscriptionId}/resend-confirmation', { params: { path } }),
          ).then(() => setNote('A new code was mailed.'), setError)
        }
      >
        Send a new code
      </button>
      <span aria-live="polite">{note}</span>
      <ErrorMessage error={error} />
    </form>
  );
}

export function SubscriptionsScreen() {
  const { api, can } = useSession();
  const isAdmin = can('admin');
  const [kind, setKind] = useState<'webhook' | 'email'>('webhook');
  const [target, setTarget] = useState('');
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [open, setOpen] = useState<string>();
  // Per subscription, the test event last sent from here: its deliveries log follows it.
  const [tested, setTested] = useState<Record<string, string>>({});
  const [deleting, setDeleting] = useState<Subscription>();
  const list = useLoad(
    () => answer(api.GET('/v1/subscriptions', { params: { query: { limit: 100 } } })),
    'subscriptions',
  );
  const errorsOf = (path: string) => fieldErrors(error, path);
  return (
    <section>
      <h1 tabIndex={-1}>Subscriptions</h1>
      {secret ? (
        <SecretOnce
          what="signing secret"
          testId="webhook-secret"
          secret={secret}
          onDone={() => setSecret(undefined)}
        />
      ) : null}
      {isAdmin ? (
        <form
          class="inline-form"
          aria-label="Add a subscription"
          onSubmit={(event) => {
            event.preventDefault();
            setError(undefined);
            answer(
              api.POST('/v1/subscriptions', {
                body: {
                  kind,
                  target: target.trim(),
                  ...(description.trim() ? { description: description.trim() } : {}),
                },
              }),
            ).then((created) => {
              setTarget('');
              setDescription('');
              if (created.secret) setSecret(created.secret);
              list.reload();
            }, setError);
          }}
        >
          <Field label="Kind">
            {({ id }) => (
              <select
                id={id}
                value={kind}
                onChange={(event) => setKind(event.currentTarget.value as 'webhook' | 'email')}
              >
                <option value="webhook">webhook</option>
                <option value="email">email</option>
              </select>
            )}
          </Field>
          <Field label={kind === 'webhook' ? 'URL' : 'Address'} errors={errorsOf('target')}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={target}
                onInput={(event) => setTarget(event.currentTarget.value)}
              />
            )}
          </Field>
          <Field label="Description" errors={errorsOf('description')}>
            {({ id }) => (
              <input
                id={id}
                value={description}
                onInput={(event) => setDescription(event.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit">Add subscription</button>
          <ErrorMessage error={error} />
        </form>
      ) : null}
      <ErrorMessage error={list.error} />
      {!list.data ? (
        <Loading what="subscriptions" />
      ) : list.data.items.length === 0 ? (
        <p>No subscriptions.</p>
      ) : (
        <ul class="plain">
          {list.data.items.map((subscription) => (
            <li key={subscription.id} class="panel">
              <p>
                <strong>{subscription.kind}</strong> {subscription.target}{' '}
                <StatusBadge status={subscription.status} />
                {subscription.description ? <span class="muted"> {subscription.description}</span> : null}
              </p>
              {isAdmin && subscription.kind === 'email' && subscription.status === 'pending' ? (
                <ConfirmEmail subscription={subscription} onConfirmed={list.reload} />
              ) : null}
              <div class="actions">
                <button
                  type="button"
                  class="secondary"
                  aria-expanded={open === subscription.id}
                  onClick={() => setOpen(open === subscription.id ? undefined : subscription.id)}
                >
                  Deliveries
                </button>
                {isAdmin && subscription.status === 'active' ? (
                  <button
                    type="button"
                    class="secondary"
                    onClick={() =>
                      answer(
                        api.POST('/v1/subscriptions/{subscriptionId}/test', {
                          params: { path: { subscriptionId: subscription.id } },
                        }),
                      ).then(({ eventId }) => {
                        setTested({ ...tested, [subscription.id]: eventId });
                        setOpen(subscription.id);
                      }, setError)
                    }
                  >
                    Send test event
                  </button>
                ) : null}
                {isAdmin ? (
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Delete ${subscription.target}`}
                    onClick={() => setDeleting(subscription)}
                  >
                    Delete…
                  </button>
                ) : null}
              </div>
              {open === subscription.id ? (
                <Deliveries
                  subscription={subscription}
                  {...(tested[subscription.id] ? { awaiting: tested[subscription.id] } : {})}
                />
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        title={`Delete the subscription ${deleting?.target ?? ''}`}
        open={deleting !== undefined}
        confirm="Delete subscription"
        onClose={() => setDeleting(undefined)}
        onConfirm={() => {
          if (!deleting) return;
          answer(
            api.DELETE('/v1/subscriptions/{subscriptionId}', {
              params: { path: { subscriptionId: deleting.id } },
            }),
          ).then(list.reload, setError);
        }}
      >
        Nothing more is sent to {deleting?.target}
        {deleting?.kind === 'webhook' ? ', and its signing secret is deleted' : ''}. Its deliveries log goes
        with it.
      </ConfirmDialog>
    </section>
  );
}
