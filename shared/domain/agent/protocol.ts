import { z } from 'zod';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';

/*
 * The messages between the service and an agent over the WebSocket. A WebSocket message through
 * API Gateway is at most 128 KB: an answer longer than one page travels in pages.
 */

/** Largest message either side sends, in bytes (API Gateway's limit is 128 KB). */
export const MAX_MESSAGE_BYTES = 120_000;
/** Characters per answer page: even at 3 bytes per character a page stays under the limit. */
export const PAGE_CHARS = 36_000;

const SerializedErrorSchema = z.object({
  name: z.string().max(200),
  message: z.string().max(8192),
  fields: z.record(z.string(), z.unknown()).optional(),
});

const id = z.string().min(1).max(100);

export const AgentMessageSchema = z.union([
  z.strictObject({
    type: z.literal('hello'),
    version: z.string().min(1).max(50),
    commands: z.array(z.string().max(50)).max(100),
  }),
  z.strictObject({ type: z.literal('ping') }),
  z.strictObject({ type: z.literal('answer'), id, result: z.unknown() }),
  z.strictObject({ type: z.literal('answer'), id, error: SerializedErrorSchema }),
  // A followed task's progress and end (`followTask`), reported by the command's id.
  z.strictObject({ type: z.literal('taskHeartbeat'), id }),
  z.strictObject({ type: z.literal('taskEnded'), id, result: z.unknown() }),
  z.strictObject({ type: z.literal('taskEnded'), id, error: SerializedErrorSchema }),
  z.strictObject({
    type: z.literal('answer'),
    id,
    page: z.number().int().min(0),
    pages: z.number().int().min(2).max(10_000),
    chunk: z.string().max(PAGE_CHARS),
  }),
]);

/** What the service sends an agent: one command with its id. */
export interface CommandMessage {
  readonly type: 'command';
  readonly id: string;
  readonly command: ConnectorCommand;
}

/** Splits an answer's JSON text into pages of at most {@link PAGE_CHARS} characters. */
export function pagesOf(text: string): string[] {
  const pages: string[] = [];
  for (let start = 0; start < text.length; start += PAGE_CHARS)
    pages.push(text.slice(start, start + PAGE_CHARS));
  return pages;
}
