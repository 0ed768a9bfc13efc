import { useState } from 'preact/hooks';
import { data as answer, fieldErrors } from '../api/client.ts';
import type { Guest, GuestSnapshot, Operation } from '../api/types.ts';
import { useSession } from '../session-context.ts';
import { ConfirmDialog, ErrorMessage, Field, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';
import { GuestBackups } from './guest-backups.tsx';
import { OperationStatus } from './operation-status.tsx';
import { RestoreDialog } from './restore-dialog.tsx';

/** Proxmox's own snapshot list shows a parent chain; the tree indents each snapshot under its parent. */
function depthOf(snapshot: GuestSnapshot, all: GuestSnapshot[]): number {
  let depth = 0;
  let parent = snapshot.parent;
  const seen = new Set<string>();
  while (parent && !seen.has(parent) && depth < 20) {
    seen.add(parent);
    const next = all.find((item) => item.name === parent);
    if (!next) break;
    depth += 1;
    parent = next.parent;
  }
  return depth;
}

function SnapshotNow({ guest, onStarted }: { guest: Guest; onStarted: (operation: Operation) => void }) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [includeMemory, setIncludeMemory] = useState(false);
  const [error, setError] = useState<unknown>();
  const errors = (path: string) => fieldErrors(error, path);
  return (
    <form
      class="inline-form"
      aria-label="Snapshot now"
      onSubmit={(event) => {
        event.preventDefault();
        setError(undefined);
        answer(
          api.POST('/v1/guests/{guestId}/snapshots', {
            params: { path: { guestId: guest.id } },
            body: {
              ...(name.trim() ? { name: name.trim() } : {}),
              ...(guest.type === 'qemu' ? { includeMemory } : {}),
            },
          }),
        ).then((operation) => {
          setName('');
          onStarted(operation);
        }, setError);
      }}
    >
      <Field label="Snapshot name" hint="empty: manual-<date>-<time>" errors={errors('name')}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        )}
      </Field>
      {guest.type === 'qemu' ? (
        <label class="choice">
          <input
            type="checkbox"
            checked={includeMemory}
            onChange={(event) => setIncludeMemory(event.currentTarget.checked)}
          />
          Include RAM state
        </label>
      ) : null}
      <button type="submit">Snapshot now</button>
      <ErrorMessage error={error} />
    </form>
  );
}

export function GuestScreen({ guestId }: { guestId: string }) {
  const { api, can } = useSession();
  const path = { guestId };
  const [restoring, setRestoring] = useState<GuestSnapshot>();
  const [deleting, setDeleting] = useState<GuestSnapshot>();
  const [started, setStarted] = useState<Operation[]>([]);
  const [actionError, setActionError] = useState<unknown>();
  const guest = useLoad(() => answer(api.GET('/v1/guests/{guestId}', { params: { path } })), guestId);
  const snapshots = useLoad(
    () => answer(api.GET('/v1/guests/{guestId}/snapshots', { params: { path, query: { limit: 200 } } })),
    guestId,
  );
  const operations = useLoad(
    () => answer(api.GET('/v1/operations', { params: { query: { guest: guestId, limit: 10 } } })),
    guestId,
  );
  // Proxmox's tree says which snapshot the guest's present state descends from ("NOW" in its GUI).
  const tree = useLoad(
    () => answer(api.GET('/v1/guests/{guestId}/snapshot-tree', { params: { path } })).catch(() => undefined),
    guestId,
  );
  const [version, setVersion] = useState(0);
  const refresh = () => {
    snapshots.reload();
    operations.reload();
    tree.reload();
    setVersion(version + 1);
  };
  const nowAfter = tree.data?.current.parent;
  const start = (operation: Operation) => setStarted([operation, ...started]);
  const data = guest.data;
  const items = snapshots.data?.items ?? [];
  const isOperator = can('operator');
  return (
    <section>
      <h1 tabIndex={-1}>{data ? `${data.name || data.id} (${data.vmid})` : 'Guest'}</h1>
      <ErrorMessage error={guest.error ?? actionError} />
      {!data ? (
        <Loading what="the guest" />
      ) : (
        <>
          <dl class="facts">
            <dt>Id</dt>
            <dd>{data.id}</dd>
            <dt>Node</dt>
            <dd>{data.node}</dd>
            <dt>Type</dt>
            <dd>{data.type === 'qemu' ? 'VM (QEMU)' : 'container (LXC)'}</dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={data.gone ? 'gone' : data.status} />
              {data.lock ? ` locked (${data.lock})` : ''}
            </dd>
            <dt>Tags</dt>
            <dd>{data.tags.join(', ') || '–'}</dd>
            <dt>Pool</dt>
            <dd>{data.pool ?? '–'}</dd>
          </dl>
          {isOperator && !data.gone ? <SnapshotNow guest={data} onStarted={start} /> : null}
          {started.map((operation) => (
            <OperationStatus key={operation.id} operation={operation} onEnded={refresh} />
          ))}
          <h2>Snapshots</h2>
          {snapshots.data?.proxmoxError ? (
            <p class="error" role="alert">
              Proxmox could not be read; the service's records only. Proxmox said:{' '}
              {snapshots.data.proxmoxError}
            </p>
          ) : null}
          <ErrorMessage error={snapshots.error} />
          {!snapshots.data ? (
            <Loading what="snapshots" />
          ) : items.length === 0 ? (
            <p>No snapshots yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Snapshot</th>
                  <th scope="col">Origin</th>
                  <th scope="col">Status</th>
                  <th scope="col">Taken</th>
                  <th scope="col">RAM</th>
                  {isOperator ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.map((snapshot) => (
                  <tr key={snapshot.name}>
                    <td style={{ paddingInlineStart: `${0.5 + depthOf(snapshot, items) * 1}rem` }}>
                      {snapshot.name}
                      {snapshot.protected ? <small class="muted"> pinned</small> : null}
                      {snapshot.name === nowAfter ? (
                        <>
                          {' '}
                          <small
                            class="badge busy"
                            title="The guest's present state was made from this snapshot"
                          >
                            ← now
                          </small>
                        </>
                      ) : null}
                      {snapshot.description ? <div class="muted">{snapshot.description}</div> : null}
                    </td>
                    <td>{snapshot.origin}</td>
                    <td>
                      <StatusBadge status={snapshot.status ?? (snapshot.onProxmox ? 'created' : 'missing')} />
                      {snapshot.onProxmox === false ? <small class="muted"> not on Proxmox</small> : null}
                      {snapshot.error || snapshot.pruneError ? (
                        <div class="proxmox-text">{snapshot.error ?? snapshot.pruneError}</div>
                      ) : null}
                    </td>
                    <td>
                      <Time at={snapshot.createdAt} />
                    </td>
                    <td>{snapshot.vmstate ? 'yes' : 'no'}</td>
                    {isOperator ? (
                      <td class="actions">
                        {snapshot.onProxmox ? (
                          <>
                            <button
                              type="button"
                              onClick={() => setRestoring(snapshot)}
                              aria-label={`Restore ${snapshot.name}`}
                            >
                              Restore…
                            </button>
                            <button
                              type="button"
                              class="secondary"
                              onClick={() => setDeleting(snapshot)}
                              aria-label={`Delete ${snapshot.name}`}
                            >
                              Delete…
                            </button>
                          </>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <GuestBackups guest={data} onStarted={start} version={version} />
          <h2>Recent operations</h2>
          {operations.data?.items.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Operation</th>
                  <th scope="col">Snapshot</th>
                  <th scope="col">Status</th>
                  <th scope="col">By</th>
                  <th scope="col">When</th>
                  <th scope="col">Proxmox said</th>
                </tr>
              </thead>
              <tbody>
                {operations.data.items.map((operation) => (
                  <tr key={operation.id}>
                    <td>{operation.kind.replaceAll('-', ' ')}</td>
                    <td>{operation.snapshotName}</td>
                    <td>
                      <StatusBadge status={operation.status} />
                    </td>
                    <td>{operation.requestedBy}</td>
                    <td>
                      <Time at={operation.createdAt} />
                    </td>
                    <td class="proxmox-text">{operation.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>None.</p>
          )}
          <RestoreDialog
            guest={data}
            snapshot={restoring}
            onClose={() => setRestoring(undefined)}
            onStarted={(operation) => {
              setRestoring(undefined);
              start(operation);
            }}
          />
          <ConfirmDialog
            title={`Delete ${deleting?.name ?? ''}`}
            open={deleting !== undefined}
            confirm="Delete snapshot"
            onClose={() => setDeleting(undefined)}
            onConfirm={() => {
              if (!deleting) return;
              answer(
                api.DELETE('/v1/guests/{guestId}/snapshots/{snapshotId}', {
                  params: { path: { guestId, snapshotId: deleting.name } },
                }),
              ).then(start, setActionError);
            }}
          >
            Proxmox deletes snapshot “{deleting?.name}” of {data.name} ({data.vmid}). It cannot be restored
            afterwards.
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}
