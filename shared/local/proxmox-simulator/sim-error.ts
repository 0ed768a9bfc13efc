/**
 * An error the simulated API answers with, shaped like pve-http-server's: the message (with its
 * trailing newline, as Perl's `die "...\n"`) becomes the reason phrase and, on PVE 8.4+, the
 * body's `message`; `errors` is the per-parameter map of a 400.
 */
export class SimError extends Error {
  readonly status: number;
  readonly errors?: Record<string, string>;

  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message.endsWith('\n') ? message : `${message}\n`);
    this.name = 'SimError';
    this.status = status;
    if (errors) this.errors = errors;
  }

  /** A plain `die "text\n"` in a handler: HTTP 500. */
  static die(text: string): SimError {
    return new SimError(500, text);
  }

  /** `raise_param_exc`: HTTP 400 "Parameter verification failed." with the field map. */
  static params(errors: Record<string, string>): SimError {
    return new SimError(400, 'Parameter verification failed.', errors);
  }

  static permission(path: string, privilege: string): SimError {
    return new SimError(403, `Permission check failed (${path}, ${privilege})`);
  }
}
