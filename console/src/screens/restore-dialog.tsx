import { useState } from 'preact/hooks';
import { data as answer } from '../api/client.ts';
import type { Guest, GuestSnapshot, Operation } from '../api/types.ts';
import { useSession } from '../session-context.ts';
import { Dialog } from '../ui/components.tsx';
import { ConfirmRestore, RestoreTargetFields, StartField } from './restore-parts.tsx';
import { type Choices, describeRestore, restoreBody } from './restore-plan.ts';

export function RestoreDialog(props: {
  guest: Guest;
  snapshot: GuestSnapshot | undefined;
  onClose: () => void;
  onStarted: (operation: Operation) => void;
}) {
  const { api } = useSession();
  const [choices, setChoices] = useState<Choices>({
    mode: 'in_place',
    safetySnapshot: true,
    start: 'default',
    vmid: '',
    name: '',
    node: '',
    storage: '',
    pool: '',
    copyTags: false,
  });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const { guest, snapshot } = props;
  const set = (patch: Partial<Choices>) => setChoices({ ...choices, ...patch });
  return (
    <Dialog title={`Restore ${snapshot?.name ?? ''}`} open={snapshot !== undefined} onClose={props.onClose}>
      {snapshot ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setBusy(true);
            setError(undefined);
            answer(
              api.POST('/v1/guests/{guestId}/snapshots/{snapshotId}/restore', {
                params: { path: { guestId: guest.id, snapshotId: snapshot.name } },
                body: restoreBody(choices),
              }),
            )
              .then(props.onStarted, setError)
              .finally(() => setBusy(false));
          }}
        >
          <RestoreTargetFields
            name="mode"
            choices={choices}
            set={set}
            modes={[
              { value: 'in_place', label: 'Roll this guest back (in place)' },
              { value: 'new_guest', label: 'Clone into a new guest', patch: { start: 'no' } },
            ]}
            replaces="in_place"
            safety={{ key: 'safetySnapshot', label: 'Take a safety snapshot first' }}
            fields={[
              { key: 'vmid', label: 'New VMID', hint: 'empty: the next free one' },
              { key: 'name', label: 'Name' },
              { key: 'node', label: 'Node', hint: `empty: ${guest.node}` },
              { key: 'storage', label: 'Storage' },
              { key: 'pool', label: 'Pool' },
            ]}
            tagsLabel="Keep the snapshot’s tags"
          />
          <StartField
            start={choices.start}
            offerDefault={choices.mode === 'in_place'}
            onChange={(start) => set({ start })}
          />
          <ConfirmRestore
            lines={describeRestore(guest, snapshot, choices)}
            error={error}
            busy={busy}
            confirm={choices.mode === 'in_place' ? 'Roll back now' : 'Clone now'}
            onCancel={props.onClose}
          />
        </form>
      ) : null}
    </Dialog>
  );
}
