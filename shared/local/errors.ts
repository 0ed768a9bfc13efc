/** A problem starting the local runtime that the user can fix; printed without a stack trace. */
export class LocalRuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalRuntimeError';
  }
}
