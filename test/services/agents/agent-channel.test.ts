import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import { AnswerLatency, MIN_POLL_MS } from '#shared/domain/agent/answer-polls.ts';
import { KEY_RECHECK_MS, RecentKeyChecks } from '#shared/domain/agent/key-checks.ts';
import { KnownConnections } from '#shared/domain/agent/known-connections.ts';
import { AGENT_MESSAGE_LIMITS, MessageRateLimiter } from '#shared/domain/agent/message-rate.ts';
import type { CommandMessage } from '#shared/domain/agent/protocol.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import { type AgentConnections, type AnswerSignal, pollingAnswers } from '#shared/ports/agent-connections.ts';
import { sendToAgent } from '#shared/services/agents/agent-channel.ts';
import {
  type AgentGatewayDeps,
  type AgentIdentity,
  agentMessage,
} from '#shared/services/agents/agent-gateway.ts';
import { createTestTable } from '#test/support/dynamo.ts';

const TENANT = 'channel';
const cluster: Cluster = {
  id: 'cl-far',
  tenantId: TENANT,
  name: 'far',
  connection: 'agent',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
};
const identity: AgentIdentity = { tenantId: TENANT, clusterId: cluster.id, keyId: 'key-1' };
const CONNECTION = 'conn-1';
const KEY = randomBytes(32);
const commandKey = async () => KEY;

let store: Store;

beforeAll(async () => {
  ({ store } = await createTestTable());
  await store.agents.createKey(
    { ...identity, id: identity.keyId, name: 'first', secretHash: '00', createdAt: cluster.createdAt },
    [],
  );
  await store.agents.putConnection({
    tenantId: TENANT,
    clusterId: cluster.id,
    connectionId: CONNECTION,
    keyId: identity.keyId,
    connectedAt: cluster.createdAt,
    agentVersion: '1.0.0',
    commands: ['listSnapshots'],
  });
});

/**
 * An agent `delayMs` away: each pushed command is answered through the WebSocket function's own
 * code (`$default`), which stores the answer; `closed` lists the connections the service closed.
 */
function farAgent(delayMs: number, answers: AnswerSignal, keyChecks = new RecentKeyChecks(Date.now)) {
  const closed: string[] = [];
  const connections: AgentConnections = {
    send: async (_connectionId, message) => {
      const { id } = message as CommandMessage;
      setTimeout(() => {
        void agentMessage(
          gateway,
          identity,
          CONNECTION,
          JSON.stringify({ type: 'answer', id, result: [{ name: 'a' }] }),
        );
      }, delayMs);
      return true;
    },
    close: async (connectionId) => {
      closed.push(connectionId);
    },
  };
  const ids = createUlidGenerator();
  const gateway: AgentGatewayDeps = {
    store,
    commandKey,
    connections,
    answers,
    ids,
    now: Date.now,
    rate: new MessageRateLimiter(AGENT_MESSAGE_LIMITS, Date.now),
    keyChecks,
    callbacks: { succeed: async () => true, fail: async () => true, heartbeat: async () => true },
  };
  const channel = {
    store,
    connections,
    answers,
    ids,
    now: Date.now,
    events: { publish: async () => {} },
    offlineAfterMs: 10_000,
    latency: new AnswerLatency(),
    known: new KnownConnections(),
    commandKey,
  };
  return { channel, closed };
}

const listSnapshots = { type: 'listSnapshots', node: 'pve1', guestType: 'qemu', vmid: 100 } as const;

describe('a command through an agent, its answer polled from the table (as in AWS)', () => {
  it('reads the answer back and times the first look at a cluster by how long its agent took to answer', async () => {
    const { channel } = farAgent(60, pollingAnswers);
    expect(channel.latency.firstPollMs(cluster.id)).toBe(MIN_POLL_MS);
    for (let index = 0; index < 3; index++) {
      expect(await sendToAgent(channel, cluster, listSnapshots)).toEqual([{ name: 'a' }]);
    }
    // Measured from the push to the answer's write (its `answeredAt`), not from the look that found it.
    expect(channel.latency.firstPollMs(cluster.id)).toBeGreaterThanOrEqual(60);
  });

  it('stores an answer that raced a revoke and closes the revoked key\u2019s connection at its next key check', async () => {
    let now = Date.now();
    const { channel, closed } = farAgent(0, pollingAnswers, new RecentKeyChecks(() => now));
    expect(await sendToAgent(channel, cluster, listSnapshots)).toEqual([{ name: 'a' }]);
    expect(closed).toEqual([]);
    const key = await store.agents.getKey(TENANT, identity.keyId);
    if (!key) throw new Error('no key');
    // A revoke whose own close of the connection failed: only the key check after an answer sees it.
    await store.agents.revokeKey(key, new Date().toISOString(), []);
    // Within KEY_RECHECK_MS of the last check the key is not read again; the answer stands on its signed id.
    await expect(sendToAgent(channel, cluster, listSnapshots)).resolves.toEqual([{ name: 'a' }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toEqual([]);
    now += KEY_RECHECK_MS;
    await expect(sendToAgent(channel, cluster, listSnapshots)).resolves.toEqual([{ name: 'a' }]);
    // The key is read after the answer is stored and the caller woken (off the answer's path), so
    // the close may follow the answer by a moment.
    await vi.waitFor(() => expect(closed).toEqual([CONNECTION]), { timeout: 5_000 });
  });
});
