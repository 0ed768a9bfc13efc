/** What the two restore dialogs (from a snapshot, from a backup) share: start choice, confirmation, buttons. */
import { Fragment, type JSX } from 'preact';
import { ErrorMessage, Field } from '../ui/components.tsx';
import type { Start } from './restore-plan.ts';

/** A text field of a restore dialog, bound to one of its string choices. */
function choiceInput<C, K extends keyof C & string>(
  choices: C,
  set: (patch: Partial<C>) => void,
  key: K,
  label: string,
  hint?: string,
): JSX.Element {
  return (
    <Field label={label} {...(hint ? { hint } : {})}>
      {({ id, describedBy }) => (
        <input
          id={id}
          aria-describedby={describedBy}
          inputMode={key === 'vmid' ? 'numeric' : undefined}
          value={String(choices[key])}
          onInput={(event) => set({ [key]: event.currentTarget.value } as Partial<C>)}
        />
      )}
    </Field>
  );
}

/** The choices every restore dialog has: a mode, whether to copy the tags, when to start. */
interface RestoreChoices<M extends string> {
  mode: M;
  copyTags: boolean;
  start: Start;
}

/** A checkbox bound to one boolean choice. */
function ChoiceCheckbox(props: { checked: boolean; label: string; onChange: (checked: boolean) => void }) {
  return (
    <label class="choice">
      <input
        type="checkbox"
        checked={props.checked}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
      />
      {props.label}
    </label>
  );
}

/**
 * Where a restore goes, as both restore dialogs ask it: the modes as radio buttons; for the mode
 * that replaces the guest itself, its safety copy; for a new guest, its fields and its tags.
 */
export function RestoreTargetFields<
  M extends string,
  C extends RestoreChoices<M>,
  S extends keyof C & string,
  K extends keyof C & string,
>(props: {
  name: string;
  choices: C;
  set: (patch: Partial<C>) => void;
  /** In the order offered; `patch` is what choosing the mode changes besides the mode. */
  modes: readonly { value: M; label: string; patch?: Partial<C> }[];
  /** The mode that replaces the guest itself (the others make a new guest). */
  replaces: M;
  safety: { key: S; label: string };
  fields: readonly { key: K; label: string; hint?: string }[];
  tagsLabel: string;
}) {
  const { choices, set } = props;
  return (
    <>
      <fieldset>
        <legend>How</legend>
        {props.modes.map((mode) => (
          <label class="choice" key={mode.value}>
            <input
              type="radio"
              name={props.name}
              checked={choices.mode === mode.value}
              onChange={() => set({ ...mode.patch, mode: mode.value } as Partial<C>)}
            />
            {mode.label}
          </label>
        ))}
      </fieldset>
      {choices.mode === props.replaces ? (
        <ChoiceCheckbox
          checked={Boolean(choices[props.safety.key])}
          label={props.safety.label}
          onChange={(checked) => set({ [props.safety.key]: checked } as Partial<C>)}
        />
      ) : (
        <div class="grid">
          {props.fields.map((field) => (
            <Fragment key={field.key}>
              {choiceInput(choices, set, field.key, field.label, field.hint)}
            </Fragment>
          ))}
          <ChoiceCheckbox
            checked={choices.copyTags}
            label={props.tagsLabel}
            onChange={(copyTags) => set({ copyTags } as Partial<C>)}
          />
        </div>
      )}
    </>
  );
}

/** Whether to start the guest afterwards; "if it was running" only where the guest itself is replaced. */
export function StartField(props: { start: Start; offerDefault: boolean; onChange: (start: Start) => void }) {
  return (
    <Field label="Start afterwards">
      {({ id }) => (
        <select
          id={id}
          value={props.start}
          onChange={(event) => props.onChange(event.currentTarget.value as Start)}
        >
          {props.offerDefault ? <option value="default">if it was running</option> : null}
          <option value="yes">yes</option>
          <option value="no">no</option>
        </select>
      )}
    </Field>
  );
}

/** The confirmation the user reads before anything happens, the API's error, and the one button that does it. */
export function ConfirmRestore(props: {
  lines: readonly string[];
  error: unknown;
  busy: boolean;
  confirm: string;
  onCancel: () => void;
}) {
  return (
    <>
      <div class="confirmation" data-testid="restore-confirmation">
        <h3>What will happen</h3>
        <ol>
          {props.lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ol>
      </div>
      <ErrorMessage error={props.error} />
      <div class="actions">
        <button type="submit" class="danger" disabled={props.busy}>
          {props.confirm}
        </button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
