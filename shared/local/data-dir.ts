import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LocalRuntimeError } from './errors.ts';

/** Where the local runtime keeps each kind of state inside its data folder. */
export const dataPaths = (dataDir: string) => ({
  dynamodb: join(dataDir, 'dynamodb'),
  secrets: join(dataDir, 'secrets'),
  jwtKey: join(dataDir, 'keys', 'jwt-signing.json'),
  cursorKey: join(dataDir, 'keys', 'cursor.key'),
  secretsKey: join(dataDir, 'keys', 'secrets.key'),
  confirmationKey: join(dataDir, 'keys', 'confirmation.key'),
});

/** Fails early, with the folder's name, when the data folder cannot be written. */
export async function assertWritable(dataDir: string): Promise<void> {
  const probe = join(dataDir, `.write-test-${process.pid}`);
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe);
  } catch (error) {
    throw new LocalRuntimeError(
      `the data folder ${dataDir} is not writable (${(error as Error).message}); set DATA_DIR to a folder you can write`,
      { cause: error },
    );
  }
}

/** A random key of `bytes` bytes, created once and then read back from `file`. */
export async function loadOrCreateKey(file: string, bytes = 32): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, randomBytes(bytes), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return await readFile(file);
}
