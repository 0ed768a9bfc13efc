import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { runCli } from '../../cli/run.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (commands run with `-o json`). */
  json<T = any>(): T;
}

export interface CliOptions {
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
}

/**
 * Runs `pvesnap` in-process against a real service: the same code as the binary, with its
 * streams captured and a home folder of its own. Waiting polls for real, a few milliseconds apart.
 */
export function cliRunner(defaults: CliOptions = {}) {
  const homeDir = mkdtempSync(join(tmpdir(), 'pvesnap-home-'));
  const run = async (args: readonly string[], options: CliOptions = {}): Promise<CliResult> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      env: { ...defaults.env, ...options.env },
      homeDir,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      readStdin: async () => options.stdin ?? defaults.stdin ?? '',
      sleep: () => setTimeout(10),
    });
    return {
      code,
      stdout,
      stderr,
      json: () => {
        try {
          return JSON.parse(stdout);
        } catch {
          throw new Error(`not JSON (exit ${code}): ${stdout}\nstderr: ${stderr}`);
        }
      },
    };
  };
  return { run, homeDir };
}
