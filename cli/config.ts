import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, ExitCode } from './exit-codes.ts';

/** What `pvesnap login` keeps: where the API is and the token to call it with. */
export interface StoredLogin {
  readonly url: string;
  readonly token: string;
}

/** `$XDG_CONFIG_HOME/pvesnap/config.json`, else `~/.config/pvesnap/config.json` (XDG base directories). */
export function configFile(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homeDir, '.config');
  return join(base, 'pvesnap', 'config.json');
}

export async function readLogin(file: string): Promise<StoredLogin | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<StoredLogin>;
  if (typeof parsed.url !== 'string' || typeof parsed.token !== 'string')
    throw new CliError(`${file} holds no url and token; run pvesnap login again`, ExitCode.usage);
  return { url: parsed.url, token: parsed.token };
}

/**
 * Writes the login readable by the user only: the folder 0700, the file 0600 (also when it existed
 * with wider modes, since the token is a credential).
 */
export async function writeLogin(file: string, login: StoredLogin): Promise<void> {
  const folder = join(file, '..');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  await writeFile(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function removeLogin(file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
