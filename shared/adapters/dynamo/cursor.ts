import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '#shared/domain/errors.ts';

export type StartKey = Record<string, string | number>;

/**
 * Opaque pagination cursors: the DynamoDB start key plus the query it belongs to, signed with a
 * server key. A cursor altered by a client, or replayed against another query or tenant, is
 * rejected instead of being handed to DynamoDB.
 */
export class CursorCodec {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('cursor signing key must be at least 32 bytes');
    this.#key = key;
  }

  encode(scope: string, startKey: StartKey): string {
    const body = Buffer.from(JSON.stringify(startKey)).toString('base64url');
    return `${body}.${this.#sign(scope, body)}`;
  }

  decode(scope: string, cursor: string): StartKey {
    const [body, signature, extra] = cursor.split('.');
    const invalid = () =>
      ValidationError.single('cursor', 'cursor.invalid', 'the cursor is not one this list returned');
    if (!body || !signature || extra !== undefined) throw invalid();
    const expected = Buffer.from(this.#sign(scope, body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw invalid();
    return parsed as StartKey;
  }

  #sign(scope: string, body: string): string {
    return createHmac('sha256', this.#key).update(scope).update('\0').update(body).digest('base64url');
  }
}
