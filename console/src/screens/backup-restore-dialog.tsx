import { useState } from 'preact/hooks';
import { data as answer } from '../api/client.ts';
import type { Backup, Operation } from '../api/types.ts';
import { useSession } from '../session-context.ts';
import { Dialog } from '../ui/components.tsx';
import {
  type BackupChoices,
  backupRestoreBody,
  describeBackupRestore,
  INITIAL_BACKUP_CHOICES,
} from './backup-restore-plan.ts';
import { ConfirmRestore, RestoreTargetFields, StartField } from './restore-parts.tsx';

/** Restore from a backup: to a new guest (the safe default) or over the original, said in words first. */
export function BackupRestoreDialog(props: {
  guestName: string;
  backup: Backup | undefined;
  onClose: () => void;
  onStarted: (operation: Operation) => void;
}) {
  const { api } = useSession();
  const [choices, setChoices] = useState<BackupChoices>(INITIAL_BACKUP_CHOICES);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const { backup } = props;
  const set = (patch: Partial<BackupChoices>) => setChoices({ ...choices, ...patch });
  return (
    <Dialog title="Restore from backup" open={backup !== undefined} onClose={props.onClose}>
      {backup ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setBusy(true);
            setError(undefined);
            answer(
              api.POST('/v1/backups/{backupId}/restore', {
                params: { path: { backupId: backup.id } },
                body: backupRestoreBody(choices),
              }),
            )
              .then(props.onStarted, setError)
              .finally(() => setBusy(false));
          }}
        >
          <RestoreTargetFields
            name="backup-mode"
            choices={choices}
            set={set}
            modes={[
              { value: 'new_guest', label: 'Restore into a new guest', patch: { start: 'no' } },
              { value: 'overwrite', label: 'Overwrite this guest', patch: { start: 'default' } },
            ]}
            replaces="overwrite"
            safety={{ key: 'safetyBackup', label: 'Take a safety backup first' }}
            fields={[
              { key: 'vmid', label: 'New VMID', hint: 'empty: the next free one' },
              { key: 'name', label: 'Name', hint: 'empty: the archive’s' },
              { key: 'node', label: 'Node', hint: `empty: ${backup.node}` },
              { key: 'storage', label: 'Storage for its disks' },
            ]}
            tagsLabel="Keep the archive’s tags"
          />
          <StartField
            start={choices.start}
            offerDefault={choices.mode === 'overwrite'}
            onChange={(start) => set({ start })}
          />
          <ConfirmRestore
            lines={describeBackupRestore(backup, props.guestName, choices)}
            error={error}
            busy={busy}
            confirm={choices.mode === 'overwrite' ? 'Overwrite now' : 'Restore now'}
            onCancel={props.onClose}
          />
        </form>
      ) : null}
    </Dialog>
  );
}
