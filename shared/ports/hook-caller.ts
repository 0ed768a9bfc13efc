/** One HTTPS hook request: signed headers and body, answered within `timeoutMs`. */
export interface HookRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly timeoutMs: number;
}

/** What the receiver answered: its status and the first bytes of its body. */
export interface HookResponse {
  readonly status: number;
  readonly bodyHead: string;
}

/**
 * Calls HTTPS hooks under the webhooks' address rules (SSRF guard). Rejects on a refused
 * address, a network error or the timeout; any HTTP status resolves.
 */
export interface HookCaller {
  call(request: HookRequest): Promise<HookResponse>;
  close(): Promise<void>;
}
