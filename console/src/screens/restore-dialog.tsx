import { useState } from 'preact/hooks';
import { data as answer } from '../api/client.ts';
import type { Guest, GuestSnapshot, Operation } from '../api/types.ts';
import { useSession } from '../session-context.ts';
import { Dialog, ErrorMessage, Field } from '../ui/components.tsx';
import { type Choices, describeRestore, restoreBody, type Start } from './restore-plan.ts';

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
  const text = (key: 'vmid' | 'name' | 'node' | 'storage' | 'pool', label: string, hint?: string) => (
    <Field label={label} {...(hint ? { hint } : {})}>
      {({ id, describedBy }) => (
        <input
          id={id}
          aria-describedby={describedBy}
          inputMode={key === 'vmid' ? 'numeric' : undefined}
          value={choices[key]}
          onInput={(event) => set({ [key]: event.currentTarget.value })}
        />
      )}
    </Field>
  );
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
          <fieldset>
            <legend>How</legend>
            <label class="choice">
              <input
                type="radio"
                name="mode"
                checked={choices.mode === 'in_place'}
                onChange={() => set({ mode: 'in_place' })}
              />
              Roll this guest back (in place)
            </label>
            <label class="choice">
              <input
                type="radio"
                name="mode"
                checked={choices.mode === 'new_guest'}
                onChange={() => set({ mode: 'new_guest', start: 'no' })}
              />
              Clone into a new guest
            </label>
          </fieldset>
          {choices.mode === 'in_place' ? (
            <label class="choice">
              <input
                type="checkbox"
                checked={choices.safetySnapshot}
                onChange={(event) => set({ safetySnapshot: event.currentTarget.checked })}
              />
              Take a safety snapshot first
            </label>
          ) : (
            <div class="grid">
              {text('vmid', 'New VMID', 'empty: the next free one')}
              {text('name', 'Name')}
              {text('node', 'Node', `empty: ${guest.node}`)}
              {text('storage', 'Storage')}
              {text('pool', 'Pool')}
              <label class="choice">
                <input
                  type="checkbox"
                  checked={choices.copyTags}
                  onChange={(event) => set({ copyTags: event.currentTarget.checked })}
                />
                Keep the snapshot’s tags
              </label>
            </div>
          )}
          <Field label="Start afterwards">
            {({ id }) => (
              <select
                id={id}
                value={choices.start}
                onChange={(event) => set({ start: event.currentTarget.value as Start })}
              >
                {choices.mode === 'in_place' ? <option value="default">if it was running</option> : null}
                <option value="yes">yes</option>
                <option value="no">no</option>
              </select>
            )}
          </Field>
          <div class="confirmation" data-testid="restore-confirmation">
            <h3>What will happen</h3>
            <ol>
              {describeRestore(guest, snapshot, choices).map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ol>
          </div>
          <ErrorMessage error={error} />
          <div class="actions">
            <button type="submit" class="danger" disabled={busy}>
              {choices.mode === 'in_place' ? 'Roll back now' : 'Clone now'}
            </button>
            <button type="button" class="secondary" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
