import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { ApiError } from '../api/client.ts';

/** An error as the API explained it: title, detail (Proxmox's text where it has one), field errors. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : undefined;
  return (
    <div class="error" role="alert">
      <strong>{problem?.title ?? 'Something went wrong'}</strong>
      {problem?.detail ? (
        <p>{problem.detail}</p>
      ) : !problem ? (
        <p>{String((error as Error).message ?? error)}</p>
      ) : null}
      {problem?.requiredRole ? <p>This needs the {problem.requiredRole} role.</p> : null}
      {problem?.errors?.length ? (
        <ul>
          {problem.errors.map((item) => (
            <li key={`${item.path}:${item.rule}`}>
              <code>{item.path || '(body)'}</code>: {item.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** A labelled form control with its errors wired up for assistive technology. */
export function Field(props: {
  label: string;
  hint?: string;
  errors?: string[];
  children: (ids: { id: string; describedBy?: string; invalid: boolean }) => JSX.Element;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const errors = props.errors ?? [];
  const describedBy = [props.hint ? hintId : '', errors.length ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${errors.length ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children({ id, ...(describedBy ? { describedBy } : {}), invalid: errors.length > 0 })}
      {props.hint ? (
        <small id={hintId} class="muted">
          {props.hint}
        </small>
      ) : null}
      {errors.length ? (
        <span id={errorId} class="field-error">
          {errors.join('; ')}
        </span>
      ) : null}
    </div>
  );
}

/** A modal built on <dialog>: the browser traps focus and Escape closes it. */
export function Dialog(props: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={props.onClose}>
      <h2 id={titleId}>{props.title}</h2>
      {props.open ? props.children : null}
    </dialog>
  );
}

/** Asks before something that cannot be undone: says what will happen, then the one button that does it. */
export function ConfirmDialog(props: {
  title: string;
  open: boolean;
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
  children: ComponentChildren;
}) {
  return (
    <Dialog title={props.title} open={props.open} onClose={props.onClose}>
      <p>{props.children}</p>
      <div class="actions">
        <button
          type="button"
          class="danger"
          onClick={() => {
            props.onClose();
            props.onConfirm();
          }}
        >
          {props.confirm}
        </button>
        <button type="button" class="secondary" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

const STATUS_CLASS: Record<string, string> = {
  succeeded: 'ok',
  success: 'ok',
  delivered: 'ok',
  active: 'ok',
  created: 'ok',
  running: 'busy',
  pending: 'busy',
  delivering: 'busy',
  partially_failed: 'warn',
  skipped: 'muted',
  cancelled: 'muted',
  deleted: 'muted',
  failed: 'bad',
  failure: 'bad',
  denied: 'bad',
  missing: 'warn',
};

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ${STATUS_CLASS[status] ?? ''}`}>{status.replaceAll('_', ' ')}</span>;
}

export function Time({ at }: { at: string | undefined }) {
  if (!at) return <span class="muted">–</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString()}
    </time>
  );
}

export function Progress({ done, total, label }: { done: number; total: number; label: string }) {
  return (
    <progress max={Math.max(total, 1)} value={done} aria-label={label}>
      {done} of {total}
    </progress>
  );
}

/** The options of a cluster picker: each cluster by name, its id as the value. */
export function ClusterOptions({
  clusters,
}: {
  clusters: readonly { id: string; name: string }[] | undefined;
}) {
  return (
    <>
      {clusters?.map((cluster) => (
        <option key={cluster.id} value={cluster.id}>
          {cluster.name}
        </option>
      ))}
    </>
  );
}
