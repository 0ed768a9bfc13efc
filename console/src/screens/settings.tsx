import { useState } from 'preact/hooks';
import type { Schemas } from '../../../client/api-client.ts';
import { data as answer, fieldErrors } from '../api/client.ts';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Field, Loading, Time } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';
import { AgentKeys } from './agent-keys.tsx';
import { TenantSettings } from './tenant-settings.tsx';

const NEW_CLUSTER = { name: '', url: 'https://', tokenId: '', tokenSecret: '', fingerprint: '' };

function AddCluster({ onAdded }: { onAdded: () => void }) {
  const { api } = useSession();
  const [form, setForm] = useState(NEW_CLUSTER);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // A cluster on a private network: its agent connects out and holds the Proxmox token itself.
  const [viaAgent, setViaAgent] = useState(false);
  const input = (
    key: keyof typeof NEW_CLUSTER,
    label: string,
    hint?: string,
    type: 'text' | 'password' = 'text',
  ) => (
    <Field label={label} errors={fieldErrors(error, key)} {...(hint ? { hint } : {})}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          // Preact types each input type on its own; one field component serves several.
          type={type as 'text'}
          autoComplete="off"
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={form[key]}
          onInput={(event) => setForm({ ...form, [key]: event.currentTarget.value })}
        />
      )}
    </Field>
  );
  return (
    <form
      aria-label="Register a cluster"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        const { fingerprint, ...rest } = form;
        answer(
          api.POST('/v1/clusters', {
            body: viaAgent
              ? { name: form.name, connection: 'agent' }
              : { ...rest, ...(fingerprint.trim() ? { fingerprint: fingerprint.trim() } : {}) },
          }),
        )
          .then(() => {
            setForm(NEW_CLUSTER);
            onAdded();
          }, setError)
          .finally(() => setBusy(false));
      }}
    >
      <h2>Register a cluster</h2>
      <label class="choice">
        <input
          type="checkbox"
          checked={viaAgent}
          onChange={(event) => setViaAgent(event.currentTarget.checked)}
        />
        Reached through an agent inside its network (then create a key for the agent)
      </label>
      <div class="grid">
        {input('name', 'Name')}
        {viaAgent ? null : (
          <>
            {input('url', 'URL', 'https://pve.example.com:8006')}
            {input('tokenId', 'API token id', 'user@realm!token')}
            {input('tokenSecret', 'API token secret', 'stored encrypted, never shown again', 'password')}
            {input('fingerprint', 'Certificate fingerprint', 'SHA-256, AA:BB:…; empty: the system CAs')}
          </>
        )}
      </div>
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Checking the connection…' : 'Register'}
      </button>
    </form>
  );
}

export function SettingsScreen() {
  const { api, can } = useSession();
  const clusters = useLoad(
    () => answer(api.GET('/v1/clusters', { params: { query: { limit: 100 } } })),
    'clusters',
  );
  const [synced, setSynced] = useState<Record<string, Schemas['SyncResult']>>({});
  const [error, setError] = useState<unknown>();
  return (
    <section>
      <h1 tabIndex={-1}>Settings</h1>
      <h2>Tenant</h2>
      <TenantSettings />
      <h2>Clusters</h2>
      <ErrorMessage error={clusters.error ?? error} />
      {!clusters.data ? (
        <Loading what="clusters" />
      ) : clusters.data.items.length === 0 ? (
        <p>No clusters registered.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">URL</th>
              <th scope="col">API token</th>
              <th scope="col">Certificate</th>
              <th scope="col">Registered</th>
              {can('operator') ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {clusters.data.items.map((cluster) => {
              const sync = synced[cluster.id];
              return (
                <tr key={cluster.id}>
                  <td>{cluster.name}</td>
                  <td>{cluster.connection === 'agent' ? 'through its agent' : cluster.url}</td>
                  <td>{cluster.tokenId}</td>
                  <td>
                    {cluster.connection === 'agent' ? (
                      '–'
                    ) : cluster.fingerprint ? (
                      <code class="wrap">{cluster.fingerprint}</code>
                    ) : (
                      'system CAs'
                    )}
                  </td>
                  <td>
                    <Time at={cluster.createdAt} />
                  </td>
                  {can('operator') ? (
                    <td class="actions">
                      <button
                        type="button"
                        class="secondary"
                        onClick={() =>
                          answer(
                            api.POST('/v1/clusters/{clusterId}/sync', {
                              params: { path: { clusterId: cluster.id } },
                            }),
                          ).then((result) => setSynced({ ...synced, [cluster.id]: result }), setError)
                        }
                      >
                        Sync now
                      </button>
                      {can('admin') ? (
                        <button
                          type="button"
                          class="danger"
                          onClick={() => {
                            if (
                              !confirm(
                                `Delete cluster ${cluster.name}? Its guests are marked gone and no run selects them.`,
                              )
                            )
                              return;
                            answer(
                              api.DELETE('/v1/clusters/{clusterId}', {
                                params: {
                                  path: { clusterId: cluster.id },
                                  header: { 'if-match': `"${cluster.version}"` },
                                },
                              }),
                            ).then(clusters.reload, setError);
                          }}
                        >
                          Delete
                        </button>
                      ) : null}
                      {sync ? (
                        <span aria-live="polite">
                          {sync.total} guests: {sync.added} added, {sync.updated} updated, {sync.gone} gone
                        </span>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {clusters.data?.items
        .filter((cluster) => cluster.connection === 'agent')
        .map((cluster) => (
          <AgentKeys key={cluster.id} cluster={cluster} />
        ))}
      {can('admin') ? <AddCluster onAdded={clusters.reload} /> : null}
    </section>
  );
}
