import { getPath } from 'hono/utils/url';

/** `/v1/guests/<segment>/<vmid>`: no route has a vmid right after a guest segment. */
const SPLIT_GUEST = /^(\/v1\/guests\/)([^/]+)\/([1-9][0-9]{2,8})(?=\/|$)/;

/**
 * The path the app routes on. API Gateway's HTTP API hands the function the path already
 * URL-decoded, so a guest named `lab%2F101` arrives as `/v1/guests/lab/101`; this reads it back
 * as the one guest segment the client sent (locally the encoded form arrives as sent, and both
 * forms work in both runtimes).
 */
export function guestAwarePath(request: Request): string {
  return getPath(request).replace(SPLIT_GUEST, '$1$2%2F$3');
}
