import { useState } from 'preact/hooks';
import type { Schemas } from '../../../client/api-client.ts';
import { data as answer } from '../api/client.ts';
import { useSession } from '../session-context.ts';
import { ConfirmDialog, ErrorMessage, Field, Loading, Time } from '../ui/components.tsx';
import { SecretOnce } from '../ui/secret-once.tsx';
import { useLoad } from '../ui/use-load.ts';

/** An agent cluster's keys: the key itself is shown once when made; revoking disconnects its agent at once. */
export function AgentKeys({ cluster }: { cluster: Schemas['Cluster'] }) {
  const { api, can } = useSession();
  const path = { clusterId: cluster.id };
  const keys = useLoad(
    () => answer(api.GET('/v1/clusters/{clusterId}/agent-keys', { params: { path } })),
    cluster.id,
  );
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string>();
  const [revoking, setRevoking] = useState<Schemas['AgentKey']>();
  const [error, setError] = useState<unknown>();
  const isAdmin = can('admin');
  return (
    <section aria-labelledby={`keys-${cluster.id}`}>
      <h3 id={`keys-${cluster.id}`}>Agent keys of {cluster.name}</h3>
      <ErrorMessage error={keys.error ?? error} />
      {created ? (
        <SecretOnce
          what="agent key"
          testId="agent-key"
          secret={created}
          onDone={() => setCreated(undefined)}
        />
      ) : null}
      {!keys.data ? (
        <Loading what="agent keys" />
      ) : keys.data.items.length === 0 ? (
        <p>No keys yet: the cluster's agent cannot connect until it has one.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Revoked</th>
              {isAdmin ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {keys.data.items.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <Time at={key.createdAt} />
                </td>
                <td>
                  <Time at={key.revokedAt} />
                </td>
                {isAdmin ? (
                  <td class="actions">
                    {key.revokedAt ? null : (
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Revoke key ${key.name}`}
                        onClick={() => setRevoking(key)}
                      >
                        Revoke…
                      </button>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isAdmin ? (
        <form
          class="inline-form"
          aria-label={`New agent key for ${cluster.name}`}
          onSubmit={(event) => {
            event.preventDefault();
            setError(undefined);
            answer(
              api.POST('/v1/clusters/{clusterId}/agent-keys', {
                params: { path },
                body: name.trim() ? { name: name.trim() } : {},
              }),
            ).then((key) => {
              setName('');
              setCreated(key.key);
              keys.reload();
            }, setError);
          }}
        >
          <Field label="Key name" hint="what it is for, e.g. pve1-agent">
            {({ id, describedBy }) => (
              <input
                id={id}
                aria-describedby={describedBy}
                value={name}
                onInput={(event) => setName(event.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit">Create key</button>
        </form>
      ) : null}
      <ConfirmDialog
        title={`Revoke key ${revoking?.name ?? ''}`}
        open={revoking !== undefined}
        confirm="Revoke key"
        onClose={() => setRevoking(undefined)}
        onConfirm={() => {
          if (!revoking) return;
          answer(
            api.DELETE('/v1/clusters/{clusterId}/agent-keys/{keyId}', {
              params: { path: { ...path, keyId: revoking.id } },
            }),
          ).then(keys.reload, setError);
        }}
      >
        The agent connected with “{revoking?.name}” is disconnected at once and cannot connect with this key
        again. Create its new key first when you rotate.
      </ConfirmDialog>
    </section>
  );
}
