import type { Command } from 'commander';
import { type ApiClient, createApiClient } from '../client/api-client.ts';
import { configFile, readLogin } from './config.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { type Column, formatItem, formatList, type OutputFormat } from './output.ts';

export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Everything the CLI touches outside itself, passed in so tests run it in-process. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly readStdin: () => Promise<string>;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The options every command accepts (declared on the program). */
export interface GlobalOptions {
  readonly url?: string;
  readonly token?: string;
  readonly output: OutputFormat;
}

/** A command's way to the API and to the terminal. */
export interface Session {
  readonly client: ApiClient;
  readonly output: OutputFormat;
  readonly context: CliContext;
  print(item: unknown): void;
  printList<T>(items: readonly T[], columns: readonly Column<T>[]): void;
  /** A line for the person at the terminal (stderr), never part of the output scripts read. */
  note(text: string): void;
}

/**
 * Which API and token a command uses: `--url`/`--token`, else `PVESNAP_URL`/`PVESNAP_TOKEN`, else
 * what `pvesnap login` stored; each part on its own, so `PVESNAP_TOKEN` can replace a stored token.
 */
export async function connect(context: CliContext, command: Command): Promise<Session> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const needsFile =
    !(options.url ?? context.env.PVESNAP_URL) || !(options.token ?? context.env.PVESNAP_TOKEN);
  const stored = needsFile ? await readLogin(configFile(context.env, context.homeDir)) : undefined;
  const url = options.url ?? context.env.PVESNAP_URL ?? stored?.url;
  const token = options.token ?? context.env.PVESNAP_TOKEN ?? stored?.token;
  if (!url || !token)
    throw new CliError(
      'not logged in: run `pvesnap login --url <url> --token <token>`, or set PVESNAP_URL and PVESNAP_TOKEN',
      ExitCode.auth,
    );
  return session(context, createApiClient({ baseUrl: url, token }), options.output);
}

function session(context: CliContext, client: ApiClient, output: OutputFormat): Session {
  return {
    client,
    output,
    context,
    print: (item) => context.stdout.write(formatItem(item, output)),
    printList: (items, columns) => context.stdout.write(formatList(items, columns, output)),
    note: (text) => context.stderr.write(`${text}\n`),
  };
}
