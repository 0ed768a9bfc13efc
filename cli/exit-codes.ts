import { CommanderError } from 'commander';
import { ApiError, ApiUnreachableError } from '../client/api-client.ts';

/**
 * What `pvesnap` exits with, so scripts can branch on the kind of failure without reading text.
 * The README lists the same table.
 */
export const ExitCode = {
  ok: 0,
  /** Bad arguments or options, a file that cannot be read, an unknown command. */
  usage: 1,
  /** The API answered 404, or a name (policy, cluster, subscription) matches nothing. */
  notFound: 2,
  /** Any other 4xx: validation (400), conflict (409), stale If-Match (412), unknown reference (422). */
  rejected: 3,
  /** 401 or 403, or no URL/token to call the API with. */
  auth: 4,
  /** 5xx, or no answer at all (not listening, DNS, TLS). */
  server: 5,
  /** `--wait` saw the run or operation end in anything but success. */
  failed: 6,
  /** `--wait --timeout` gave up before it ended; the work goes on. */
  timeout: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI itself diagnoses, with the exit code it stands for. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: ExitCodeValue;

  constructor(message: string, exitCode: ExitCodeValue) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliError) return error.exitCode;
  // Help and --version end with 0; help shown for a missing subcommand, and every parse error, with 1.
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (error instanceof ApiUnreachableError) return ExitCode.server;
  if (error instanceof ApiError) {
    if (error.status === 404) return ExitCode.notFound;
    if (error.status === 401 || error.status === 403) return ExitCode.auth;
    if (error.status >= 500) return ExitCode.server;
    return ExitCode.rejected;
  }
  return ExitCode.usage;
}
