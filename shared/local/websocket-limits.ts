/** API Gateway's WebSocket limits: a connection idle this long, or open this long, is closed. */
export interface WebSocketLimits {
  /** No message from the client for this long (API Gateway: 10 minutes; control frames do not count). */
  readonly idleMs: number;
  /** Connection duration (API Gateway: 2 hours). */
  readonly maxConnectionMs: number;
}

export const API_GATEWAY_LIMITS: WebSocketLimits = { idleMs: 10 * 60_000, maxConnectionMs: 2 * 3600_000 };
