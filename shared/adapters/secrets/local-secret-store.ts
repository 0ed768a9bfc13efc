import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretStore } from '#shared/ports/secret-store.ts';

const PREFIX = 'local:';

/**
 * Secrets for the local runtime: one file per secret under `dir`, encrypted with AES-256-GCM
 * under a key generated once for the data folder. Stands in for Secrets Manager.
 */
export class LocalSecretStore implements SecretStore {
  readonly #dir: string;
  readonly #key: Buffer;

  constructor(dir: string, key: Buffer) {
    if (key.length !== 32) throw new Error('the local secret key must be 32 bytes');
    this.#dir = dir;
    this.#key = key;
  }

  async put(name: string, value: string): Promise<string> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(name));
    const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const record = {
      name,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: sealed.toString('base64'),
    };
    await writeFile(this.#file(name), JSON.stringify(record), { mode: 0o600 });
    return `${PREFIX}${name}`;
  }

  async get(ref: string): Promise<string> {
    const name = this.#name(ref);
    const record = JSON.parse(await readFile(this.#file(name), 'utf8')) as {
      iv: string;
      tag: string;
      data: string;
    };
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(record.iv, 'base64'));
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(Buffer.from(record.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(record.data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }

  async delete(ref: string): Promise<void> {
    await rm(this.#file(this.#name(ref)), { force: true });
  }

  #name(ref: string): string {
    if (!ref.startsWith(PREFIX)) throw new Error('not a local secret reference');
    return ref.slice(PREFIX.length);
  }

  // Names contain tenant ids; hashing keeps file names safe whatever they contain.
  #file(name: string): string {
    return join(this.#dir, `${createHash('sha256').update(name).digest('hex')}.json`);
  }
}
