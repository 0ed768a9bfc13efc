import type { Command } from 'commander';
import { createApiClient, unwrap } from '../../client/api-client.ts';
import { configFile, removeLogin, writeLogin } from '../config.ts';
import type { CliContext, GlobalOptions } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

export function registerLoginCommands(program: Command, context: CliContext): void {
  program
    .command('login')
    .description(
      'check a URL and token against the API and keep them for later commands (in your config folder, mode 0600)',
    )
    .option(
      '--token-stdin',
      'read the token from stdin instead of --token (keeps it out of the process list)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  pvesnap login --url http://127.0.0.1:3000 --token "$(npm run --silent token -- --tenant demo --role admin)"',
    )
    .action(async (options: { tokenStdin?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const url = globals.url ?? context.env.PVESNAP_URL;
      const token = options.tokenStdin
        ? (await context.readStdin()).trim()
        : (globals.token ?? context.env.PVESNAP_TOKEN);
      if (!url || !token)
        throw new CliError(
          'login needs --url and --token (or --token-stdin, or PVESNAP_URL and PVESNAP_TOKEN)',
          ExitCode.usage,
        );
      // Any route a viewer may read proves the URL and the token; nothing is stored otherwise.
      await unwrap(
        createApiClient({ baseUrl: url, token }).GET('/v1/clusters', { params: { query: { limit: 1 } } }),
      );
      const file = configFile(context.env, context.homeDir);
      await writeLogin(file, { url, token });
      context.stderr.write(`logged in to ${url}; saved to ${file}\n`);
    });

  program
    .command('logout')
    .description('forget the stored URL and token')
    .action(async () => {
      const file = configFile(context.env, context.homeDir);
      context.stderr.write((await removeLogin(file)) ? `removed ${file}\n` : `not logged in (no ${file})\n`);
    });
}
