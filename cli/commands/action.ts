import type { Command } from 'commander';
import { type CliContext, connect, type Session } from '../context.ts';

/**
 * A commander action that connects first: the handler gets the session, the positional
 * arguments and the command's own options.
 */
export function act<O = Record<string, unknown>>(
  context: CliContext,
  handler: (session: Session, args: string[], options: O) => Promise<void>,
) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params.at(-1) as Command;
    const args = params.slice(0, -2).filter((value): value is string => typeof value === 'string');
    await handler(await connect(context, command), args, command.opts() as O);
  };
}

/** For options given more than once (`--tag a --tag b`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** First positional argument (commander has checked it is there). */
export const first = (args: string[]): string => args[0] as string;
/** Second positional argument (commander has checked it is there). */
export const second = (args: string[]): string => args[1] as string;
