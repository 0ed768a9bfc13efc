import { useState } from 'preact/hooks';

/** A secret the API returns this once (a webhook's signing secret, an agent key), with a copy button. */
export function SecretOnce(props: { what: string; secret: string; testId: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  return (
    <section class="secret" aria-label={props.what}>
      <p>
        <strong>Copy the {props.what} now: it is not shown again.</strong>
      </p>
      <code data-testid={props.testId}>{props.secret}</code>
      <div class="actions">
        <button
          type="button"
          onClick={() =>
            // The clipboard needs a secure origin and the page's focus; else say how to copy by hand.
            (navigator.clipboard?.writeText(props.secret) ?? Promise.reject()).then(
              () => setCopied('yes'),
              () => setCopied('failed'),
            )
          }
        >
          Copy {props.what}
        </button>
        <button type="button" class="secondary" onClick={props.onDone}>
          Done
        </button>
        <span aria-live="polite">
          {copied === 'yes'
            ? 'Copied.'
            : copied === 'failed'
              ? 'The browser did not let the page copy: select the text above and copy it.'
              : ''}
        </span>
      </div>
    </section>
  );
}
