import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { CliContext } from './context.ts';
import { CliError, ExitCode } from './exit-codes.ts';

/** A JSON or YAML document from a file, or from stdin for `-`. */
export async function readDocument(context: CliContext, path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = path === '-' ? await context.readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, ExitCode.usage);
  }
  let value: unknown;
  try {
    // YAML 1.2 reads JSON as well.
    value = parse(text);
  } catch (error) {
    throw new CliError(`${path} is neither JSON nor YAML: ${(error as Error).message}`, ExitCode.usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError(`${path} must hold one object`, ExitCode.usage);
  return value as Record<string, unknown>;
}

/** A whole number option, refused as a usage error otherwise. */
export function integer(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new CliError(`not a whole number: ${text}`, ExitCode.usage);
  return value;
}
