import { useState } from 'preact/hooks';
import { humanBytes } from '../../../client/format.ts';
import { data as answer } from '../api/client.ts';
import type { Backup, Guest, Operation } from '../api/types.ts';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Loading, StatusBadge, Time } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';
import { BackupRestoreDialog } from './backup-restore-dialog.tsx';

const archiveName = (backup: Backup) => backup.volid?.slice(backup.volid.lastIndexOf('/') + 1) ?? '–';

/** A guest's vzdump archives, newest first, each restorable by an operator while it exists. */
export function GuestBackups(props: {
  guest: Guest;
  onStarted: (operation: Operation) => void;
  version: number;
}) {
  const { api, can } = useSession();
  const { guest } = props;
  const [restoring, setRestoring] = useState<Backup>();
  const backups = useLoad(
    () =>
      answer(
        api.GET('/v1/guests/{guestId}/backups', {
          params: { path: { guestId: guest.id }, query: { limit: 50 } },
        }),
      ),
    `${guest.id}:${props.version}`,
  );
  const isOperator = can('operator');
  const items = backups.data?.items ?? [];
  return (
    <>
      <h2>Backups</h2>
      <ErrorMessage error={backups.error} />
      {!backups.data ? (
        <Loading what="backups" />
      ) : items.length === 0 ? (
        <p>No backups yet. A backup policy that selects this guest makes them.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Backups of this guest, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Archive</th>
              <th scope="col">Storage</th>
              <th scope="col">Size</th>
              <th scope="col">Status</th>
              <th scope="col">Written</th>
              <th scope="col">Notes</th>
              {isOperator ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map((backup) => (
              <tr key={backup.id}>
                <td>
                  {archiveName(backup)}
                  {backup.protected ? <small class="muted"> protected</small> : null}
                  <div class="muted">{backup.origin}</div>
                </td>
                <td>{backup.storage}</td>
                <td>{backup.size === undefined ? '–' : humanBytes(backup.size)}</td>
                <td>
                  <StatusBadge status={backup.status} />
                  {backup.error ? <div class="proxmox-text">{backup.error}</div> : null}
                </td>
                <td>
                  <Time at={backup.createdAt} />
                </td>
                <td>{backup.notes ?? ''}</td>
                {isOperator ? (
                  <td class="actions">
                    {backup.status === 'created' ? (
                      <button
                        type="button"
                        onClick={() => setRestoring(backup)}
                        aria-label={`Restore ${archiveName(backup)}`}
                      >
                        Restore…
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <BackupRestoreDialog
        guestName={guest.name}
        backup={restoring}
        onClose={() => setRestoring(undefined)}
        onStarted={(operation) => {
          setRestoring(undefined);
          props.onStarted(operation);
        }}
      />
    </>
  );
}
