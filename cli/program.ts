import { Command, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { registerAuditCommands } from './commands/audit.ts';
import { registerBackupCommands } from './commands/backups.ts';
import { registerClusterCommands } from './commands/clusters.ts';
import { registerCompletionCommands } from './commands/completion.ts';
import { registerExclusionCommands } from './commands/exclusions.ts';
import { registerGuestCommands } from './commands/guests.ts';
import { registerLoginCommands } from './commands/login.ts';
import { registerOperationCommands } from './commands/operations.ts';
import { registerPlanCommands } from './commands/plan.ts';
import { registerPolicyCommands } from './commands/policies.ts';
import { registerReportCommands } from './commands/reports.ts';
import { registerRestoreTestCommands } from './commands/restore-tests.ts';
import { registerRunCommands } from './commands/runs.ts';
import { registerSettingsCommands } from './commands/settings.ts';
import { registerSnapshotCommands } from './commands/snapshots.ts';
import { registerSubscriptionCommands } from './commands/subscriptions.ts';
import type { CliContext } from './context.ts';
import { OUTPUT_FORMATS } from './output.ts';

const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  usage: bad arguments or options, unreadable file
  2  not found (HTTP 404, or no policy/cluster/subscription of that name)
  3  rejected: validation, conflict, stale version, unknown reference (other 4xx)
  4  auth: HTTP 401/403, or no URL/token (run pvesnap login)
  5  server error (5xx) or the API cannot be reached
  6  --wait: the run or operation ended other than succeeded
  7  --wait --timeout: gave up waiting (the work goes on)`;

/** The whole command tree; settings made here (output, exit override) reach every subcommand. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('pvesnap')
    .description('Command line for the Proxmox VE snapshot service')
    .version(packageJson.version)
    .option('--url <url>', 'API URL, e.g. http://127.0.0.1:3000 (default: PVESNAP_URL, then pvesnap login)')
    .option('--token <token>', 'bearer token (default: PVESNAP_TOKEN, then pvesnap login)')
    .addOption(
      new Option('-o, --output <format>', 'how results are printed').choices(OUTPUT_FORMATS).default('table'),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  registerLoginCommands(program, context);
  registerClusterCommands(program, context);
  registerGuestCommands(program, context);
  registerSnapshotCommands(program, context);
  registerBackupCommands(program, context);
  registerPolicyCommands(program, context);
  registerRunCommands(program, context);
  registerOperationCommands(program, context);
  registerExclusionCommands(program, context);
  registerAuditCommands(program, context);
  registerSubscriptionCommands(program, context);
  registerRestoreTestCommands(program, context);
  registerReportCommands(program, context);
  registerSettingsCommands(program, context);
  registerPlanCommands(program, context);
  registerCompletionCommands(program, context);
  return program;
}
