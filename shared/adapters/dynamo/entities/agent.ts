import { z } from 'zod';
import type {
  AgentAnswerRecord,
  AgentConnection,
  FollowedTask,
} from '#shared/domain/agent/agent-connection.ts';
import type { AgentKey } from '#shared/domain/agent/agent-key.ts';
import { defineEntity, tenantPartition } from '../entity.ts';

/**
 * An answer (and a followed task's token) is kept a day: far longer than a command's signed id
 * is valid, so a replayed answer meets its record or its expiry.
 */
const COMMAND_TTL_SECONDS = 24 * 3600;

const agentKeySchema: z.ZodType<AgentKey> = z.object({
  id: z.string(),
  tenantId: z.string(),
  clusterId: z.string(),
  name: z.string(),
  secretHash: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});

/** An agent key of a cluster (only its hash is stored), listed from the tenant's partition. */
export const agentKeyEntity = defineEntity({
  name: 'agentKey',
  schema: agentKeySchema,
  key: (key: { tenantId: string; id: string }) => ({
    pk: tenantPartition(key.tenantId),
    sk: `AGENTKEY#${key.id}`,
  }),
  collection: (tenant: { tenantId: string }) => ({
    pk: tenantPartition(tenant.tenantId),
    skPrefix: 'AGENTKEY#',
  }),
});

const agentConnectionSchema: z.ZodType<AgentConnection> = z.object({
  tenantId: z.string(),
  clusterId: z.string(),
  connectionId: z.string().optional(),
  keyId: z.string(),
  connectedAt: z.string(),
  agentVersion: z.string().optional(),
  commands: z.array(z.string()).optional(),
  offlineSince: z.string().optional(),
  offlineReported: z.string().optional(),
});

/** The connection of a cluster's agent (one at a time), with what the agent announced. */
export const agentConnectionEntity = defineEntity({
  name: 'agentConnection',
  schema: agentConnectionSchema,
  key: (connection: { tenantId: string; clusterId: string }) => ({
    pk: tenantPartition(connection.tenantId),
    sk: `AGENT#${connection.clusterId}`,
  }),
});

const serializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()).optional(),
});

const agentAnswerSchema: z.ZodType<AgentAnswerRecord> = z.object({
  id: z.string(),
  tenantId: z.string(),
  clusterId: z.string(),
  state: z.enum(['pending', 'answered']),
  result: z.string().optional(),
  error: serializedErrorSchema.optional(),
  pages: z.number().optional(),
  answeredAt: z.string().optional(),
});

const followedTaskSchema: z.ZodType<FollowedTask> = z.object({
  id: z.string(),
  tenantId: z.string(),
  clusterId: z.string(),
  taskToken: z.string(),
  createdAt: z.string(),
});

/**
 * The partition of one command and the pages of its answer: its own, so a tenant's commands (a
 * few per guest snapshot) never share the tenant's partition (hot partitions, README).
 */
const commandPartition = (command: { tenantId: string; id: string }) =>
  `${tenantPartition(command.tenantId)}#AGENTCMD#${command.id}`;

/**
 * The answer to one command sent to an agent (`received`: pages so far), created by the answer:
 * the entity keeps its old name and key, `COMMAND`, under the command's partition.
 */
export const agentCommandEntity = defineEntity({
  name: 'agentCommand',
  schema: agentAnswerSchema,
  key: (command: { tenantId: string; id: string }) => ({ pk: commandPartition(command), sk: 'COMMAND' }),
  ttl: (_command, lifetimes) => lifetimes.nowSeconds + COMMAND_TTL_SECONDS,
});

/** The workflow task waiting for the end of a task an agent follows (`followTask`). */
export const agentFollowEntity = defineEntity({
  name: 'agentFollow',
  schema: followedTaskSchema,
  key: (command: { tenantId: string; id: string }) => ({ pk: commandPartition(command), sk: 'FOLLOW' }),
  ttl: (_command, lifetimes) => lifetimes.nowSeconds + COMMAND_TTL_SECONDS,
});

const answerPageSchema = z.object({ chunk: z.string() });

/** One page of a large answer, in order under its command. */
export const agentAnswerPageEntity = defineEntity({
  name: 'agentAnswerPage',
  schema: answerPageSchema,
  key: (page: { tenantId: string; id: string; page: number }) => ({
    pk: commandPartition(page),
    sk: `PAGE#${String(page.page).padStart(5, '0')}`,
  }),
  collection: (command: { tenantId: string; id: string }) => ({
    pk: commandPartition(command),
    skPrefix: 'PAGE#',
  }),
  ttl: (_page, lifetimes) => lifetimes.nowSeconds + COMMAND_TTL_SECONDS,
});
