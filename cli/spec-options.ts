/** The options policies and restore tests share: their file, name, schedule and guest selection. */
import type { Command } from 'commander';
import { collect } from './commands/action.ts';
import type { CliContext } from './context.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { readDocument } from './input.ts';

export interface ScheduledSpecOptions {
  file?: string;
  name?: string;
  description?: string;
  cron?: string;
  timezone?: string;
  tag?: string[];
  guest?: string[];
  pool?: string[];
  node?: string[];
  all?: boolean;
  enable?: boolean;
  disable?: boolean;
}

/** Declares the shared options on `command`; `what` names the resource in the help. */
export function scheduledSpecOptions(command: Command, what: string): Command {
  return command
    .option('-f, --file <path>', `the ${what} as JSON or YAML (- for stdin); the options below change it`)
    .option('--name <name>', `${what} name`)
    .option('--description <text>', 'description')
    .option('--cron <expression>', '5-field crontab schedule, e.g. "0 2 * * *"')
    .option('--timezone <zone>', 'IANA time zone of the schedule, e.g. Europe/Berlin')
    .option('--tag <tag>', 'select guests with this tag (repeatable)', collect)
    .option('--guest <guest>', 'select this guest, lab/101 or id (repeatable)', collect)
    .option('--pool <pool>', 'select guests of this pool (repeatable)', collect)
    .option('--node <node>', 'select guests on this node (repeatable)', collect)
    .option('--all', 'select every guest')
    .option('--enable', 'enable the schedule')
    .option('--disable', 'disable the schedule');
}

/** A nested object of the spec, copied so the flags can be laid over it. */
export const specPart = (spec: Record<string, unknown>, name: string): Record<string, unknown> => ({
  ...((spec[name] as Record<string, unknown> | undefined) ?? {}),
});

/** The file's document with the shared flags laid over it (as a merge patch: only what was given). */
export async function scheduledSpecFrom(
  context: CliContext,
  options: ScheduledSpecOptions,
): Promise<Record<string, unknown>> {
  if (options.enable && options.disable)
    throw new CliError('--enable or --disable, not both', ExitCode.usage);
  const spec: Record<string, unknown> = options.file
    ? { ...(await readDocument(context, options.file)) }
    : {};
  if (options.name !== undefined) spec.name = options.name;
  if (options.description !== undefined) spec.description = options.description;
  if (options.enable || options.disable) spec.enabled = Boolean(options.enable);
  if (options.cron !== undefined || options.timezone !== undefined)
    spec.schedule = {
      ...specPart(spec, 'schedule'),
      ...(options.cron !== undefined ? { cron: options.cron } : {}),
      ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
    };
  const selector = {
    ...(options.tag ? { tags: options.tag } : {}),
    ...(options.guest ? { guests: options.guest } : {}),
    ...(options.pool ? { pools: options.pool } : {}),
    ...(options.node ? { nodes: options.node } : {}),
    ...(options.all ? { all: true } : {}),
  };
  if (Object.keys(selector).length > 0) spec.selector = { ...specPart(spec, 'selector'), ...selector };
  return spec;
}
