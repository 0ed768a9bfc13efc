import { useState } from 'preact/hooks';
import { data as answer, fieldErrors } from '../api/client.ts';
import type { Subscription } from '../api/types.ts';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Field, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';

/** The webhook's signing secret, shown once: the API never returns it again. */
function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section class="secret" aria-label="Signing secret">
      <p>
        <strong>Copy the signing secret now: it is not shown again.</strong>
      </p>
      <code data-testid="webhook-secret">{secret}</code>
      <div class="actions">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          Copy secret
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          Done
        </button>
        <span aria-live="polite">{copied ? 'Copied.' : ''}</span>
      </div>
    </section>
  );
}

function Deliveries({ subscription }: { subscription: Subscription }) {
  const { api } = useSession();
  const deliveries = useLoad(
    () =>
      answer(
        api.GET('/v1/subscriptions/{subscriptionId}/deliveries', {
          params: { path: { subscriptionId: subscription.id }, query: { limit: 20 } },
        }),
      ),
    subscription.id,
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
  const list = useLoad(
    () => answer(api.GET('/v1/subscriptions', { params: { query: { limit: 100 } } })),
    'subscriptions',
  );
  const errorsOf = (path: string) => fieldErrors(error, path);
  return (
    <section>
      <h1 tabIndex={-1}>Subscriptions</h1>
      {secret ? <SecretOnce secret={secret} onDone={() => setSecret(undefined)} /> : null}
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
                      ).then(() => setOpen(subscription.id), setError)
                    }
                  >
                    Send test event
                  </button>
                ) : null}
                {isAdmin ? (
                  <button
                    type="button"
                    class="danger"
                    onClick={() =>
                      answer(
                        api.DELETE('/v1/subscriptions/{subscriptionId}', {
                          params: { path: { subscriptionId: subscription.id } },
                        }),
                      ).then(list.reload, setError)
                    }
                  >
                    Delete
                  </button>
                ) : null}
              </div>
              {open === subscription.id ? <Deliveries subscription={subscription} /> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
