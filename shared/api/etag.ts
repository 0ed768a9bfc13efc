import { PreconditionFailedError } from '#shared/domain/errors.ts';

export const etagOf = (version: number) => `"${version}"`;

/** The version an `If-Match` header names; absent header: no precondition. */
export function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!match) throw new PreconditionFailedError(`If-Match '${ifMatch}' is not an ETag this API returned`);
  return Number(match[1]);
}
