import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LocalRuntimeError } from './errors.ts';

/** Where the local runtime keeps each kind of state inside its data folder. */
export const dataPaths = (dataDir: string) => ({
  dynamodb: join(dataDir, 'dynamodb'),
  secrets: join(dataDir, 'secrets'),
  keys: join(dataDir, 'keys'),
  mail: join(dataDir, 'mail'),
  simulator: join(dataDir, 'simulator'),
  jwtKey: join(dataDir, 'keys', 'jwt-signing.json'),
  cursorKey: join(dataDir, 'keys', 'cursor.key'),
  secretsKey: join(dataDir, 'keys', 'secrets.key'),
  confirmationKey: join(dataDir, 'keys', 'confirmation.key'),
  agentCommandKey: join(dataDir, 'keys', 'agent-command.key'),
});

/** Owner-only modes: the data folder holds keys, token secrets, the table and mail. */
const PRIVATE_FOLDER_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;
const OTHERS = 0o077;

/** Fails early, with the folder's name, when the data folder cannot be written. */
async function assertWritable(dataDir: string): Promise<void> {
  const probe = join(dataDir, `.write-test-${process.pid}`);
  try {
    await mkdir(dataDir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    await writeFile(probe, 'ok', { mode: PRIVATE_FILE_MODE });
    await rm(probe);
  } catch (error) {
    throw new LocalRuntimeError(
      `the data folder ${dataDir} is not writable (${(error as Error).message}); set DATA_DIR to a folder you can write`,
      { cause: error },
    );
  }
}

/**
 * Makes the data folder private: creates it and the runtime's sub-folders owner-only (0700),
 * and takes every access of other users away from what is already there (folders 0700, files
 * 0600), e.g. a folder made by an older version or copied in. Only the folder itself and the
 * runtime's own sub-folders are touched, never other things a user keeps beside them; symbolic
 * links are left alone. Returns the paths whose modes it narrowed.
 */
export async function prepareDataDir(dataDir: string): Promise<string[]> {
  await assertWritable(dataDir);
  const paths = dataPaths(dataDir);
  const tightened: string[] = [];
  if (await narrow(dataDir, await stat(dataDir))) tightened.push(dataDir);
  for (const folder of [paths.dynamodb, paths.keys, paths.secrets, paths.mail, paths.simulator]) {
    await mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    await narrowTree(folder, tightened);
  }
  return tightened;
}

async function narrowTree(path: string, tightened: string[]): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if (await narrow(path, info)) tightened.push(path);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await narrowTree(join(path, entry), tightened);
}

/** Removes the group's and others' bits; the owner's stay as they are. */
async function narrow(path: string, info: { mode: number }): Promise<boolean> {
  if ((info.mode & OTHERS) === 0) return false;
  try {
    await chmod(path, info.mode & 0o700);
  } catch (error) {
    throw new LocalRuntimeError(
      `${path} in the data folder can be read by other users and cannot be made private (${(error as Error).message}); fix its owner or set DATA_DIR to a folder of your own`,
      { cause: error },
    );
  }
  return true;
}

/** A random key of `bytes` bytes, created once and then read back from `file`. */
export async function loadOrCreateKey(file: string, bytes = 32): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: PRIVATE_FOLDER_MODE });
  try {
    await writeFile(file, randomBytes(bytes), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return await readFile(file);
}
