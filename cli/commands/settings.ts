import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { act } from './action.ts';

function onOff(text: string): boolean {
  if (['on', 'true', 'yes'].includes(text)) return true;
  if (['off', 'false', 'no'].includes(text)) return false;
  throw new CliError(`on or off, not ${text}`, ExitCode.usage);
}

export function registerSettingsCommands(program: Command, context: CliContext): void {
  const settings = program
    .command('settings')
    .description("your tenant's settings: default time zone of new policies, unprotected-guest events");

  settings
    .command('get')
    .description('show the settings and your plan')
    .action(
      act(context, async (session) => {
        session.print((await unwrap(session.client.GET('/v1/settings'))).data);
      }),
    );

  settings
    .command('set')
    .description('change settings; what is not given stays (admin)')
    .option('--timezone <zone>', 'IANA time zone given to a policy created without one, e.g. Europe/Berlin')
    .option(
      '--unprotected-guest-events <on|off>',
      'publish guest.unprotected for each new guest no enabled policy covers',
      onOff,
    )
    .action(
      act<{ timezone?: string; unprotectedGuestEvents?: boolean }>(
        context,
        async (session, _args, options) => {
          const body: Schemas['SettingsPatch'] = {
            ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
            ...(options.unprotectedGuestEvents !== undefined
              ? { unprotectedGuestEvents: options.unprotectedGuestEvents }
              : {}),
          };
          if (Object.keys(body).length === 0)
            throw new CliError('nothing to change: --timezone or --unprotected-guest-events', ExitCode.usage);
          session.print((await unwrap(session.client.PATCH('/v1/settings', { body }))).data);
        },
      ),
    );
}
