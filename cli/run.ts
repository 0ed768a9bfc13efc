import { CommanderError } from 'commander';
import { ApiError } from '../client/api-client.ts';
import { completions } from './commands/completion.ts';
import type { CliContext } from './context.ts';
import { type ExitCodeValue, exitCodeFor } from './exit-codes.ts';
import { buildProgram } from './program.ts';

/** The error as a person reads it: the problem's title and detail, each violated rule, the request id. */
function describe(error: unknown): string {
  if (!(error instanceof ApiError)) return `pvesnap: ${(error as Error)?.message ?? String(error)}`;
  const problem = error.problem;
  const lines = [`pvesnap: ${error.message} (HTTP ${error.status}${error.slug ? ` ${error.slug}` : ''})`];
  for (const issue of problem?.errors ?? []) lines.push(`  ${issue.path || '(body)'}: ${issue.message}`);
  if (problem?.requiredRole) lines.push(`  needs role: ${problem.requiredRole}`);
  // Tokens expire (12 hours from npm run token by default): say how to get going again.
  if (error.status === 401)
    lines.push('  the token was refused (expired, or made for another service): run pvesnap login again');
  if (problem?.requestId) lines.push(`  request id: ${problem.requestId}`);
  return lines.join('\n');
}

/** Runs one command line; answers the exit code (never exits, so tests run it in-process). */
export async function runCli(args: readonly string[], context: CliContext): Promise<ExitCodeValue> {
  const program = buildProgram(context);
  if (args[0] === '__complete') {
    const found = completions(program, args.length > 1 ? args.slice(1) : ['']);
    if (found.length > 0) context.stdout.write(`${found.join('\n')}\n`);
    return 0;
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already said what was wrong with the command line (or printed the help).
    if (!(error instanceof CommanderError)) context.stderr.write(`${describe(error)}\n`);
    return exitCodeFor(error);
  }
}
