import { createHash } from 'node:crypto';
import type { SecretStore } from '#shared/ports/secret-store.ts';

/**
 * A key of the service kept as random text in a secret (created by the stateful stack): read
 * on first use, then kept for the life of the function; SHA-256 of the text gives its 32 bytes.
 * A failed read is not kept, so the next call tries again.
 */
export function lazyServiceKey(secrets: SecretStore, ref: string): () => Promise<Buffer> {
  let key: Promise<Buffer> | undefined;
  return () => {
    key ??= secrets.get(ref).then(
      (text) => createHash('sha256').update(text).digest(),
      (error: unknown) => {
        key = undefined;
        throw error;
      },
    );
    return key;
  };
}
