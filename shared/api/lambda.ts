import { handle } from 'hono/aws-lambda';
import { type ApiDeps, createApp } from './app.ts';

/** The API Gateway HTTP API (payload 2.0) handler around the app; the local server calls the same. */
export function createApiHandler(deps: ApiDeps) {
  return handle(createApp(deps));
}

export type ApiHandler = ReturnType<typeof createApiHandler>;
